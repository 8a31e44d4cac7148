import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { AUTHORIZER, Authorizer, Caller, orgOf } from '@vigil/shared/auth';
import { PageRequest, toPage } from '@vigil/shared/database';
import { VerificationTargetRepository } from '../repositories/verification-target.repository';
import { ViolationRepository, type ViolationActionRow, type ViolationRow } from '../repositories/violation.repository';
import { ScheduleRepository } from '../repositories/schedule.repository';

/** Violations and verification status for the clusters a caller can see (404 for anything else). */
@Injectable()
export class ViolationQueryService {
  constructor(
    private readonly violations: ViolationRepository,
    private readonly targets: VerificationTargetRepository,
    private readonly schedules: ScheduleRepository,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
  ) {}

  async list(caller: Caller, query: { state?: string; clusterId?: string }, page: PageRequest) {
    if (query.state !== undefined && query.state !== 'open' && query.state !== 'resolved') throw new BadRequestException('state: must be open or resolved');
    if (query.clusterId !== undefined && !isUUID(query.clusterId)) throw new BadRequestException('clusterId: must be a UUID');
    if (page.after !== null && !isUUID(page.after)) throw new BadRequestException('cursor: is not a cursor this API returned');
    const orgId = orgOf(caller);
    const rows = await this.violations.list(orgId, { state: query.state as 'open' | 'resolved' | undefined, clusterId: query.clusterId, groupIds: await this.visibleGroups(caller) }, page);
    const result = toPage(rows, page.limit, (v) => v.id);
    const actions = await this.violations.actionsFor(orgId, result.items.map((v) => v.id));
    return { items: result.items.map((v) => violationView(v, actions)), nextCursor: result.nextCursor };
  }

  async get(caller: Caller, id: string) {
    const orgId = orgOf(caller);
    const violation = await this.violations.findById(orgId, id);
    const groups = await this.visibleGroups(caller);
    if (!violation || (groups && !groups.includes(violation.groupId))) throw new NotFoundException(`violation ${id} not found`);
    return violationView(violation, await this.violations.actionsFor(orgId, [id]));
  }

  /** Verifications that could not finish (registry trouble, jobs out of attempts); they are retried with backoff. */
  async failures(caller: Caller, query: { clusterId?: string }, page: PageRequest) {
    if (query.clusterId !== undefined && !isUUID(query.clusterId)) throw new BadRequestException('clusterId: must be a UUID');
    const orgId = orgOf(caller);
    let after: { failedAt: string; clusterId: string; digest: string } | null = null;
    if (page.after) {
      const [failedAt, clusterId, digest] = page.after.split('|');
      if (!failedAt || !isUUID(clusterId ?? '') || !/^sha256:[0-9a-f]{64}$/.test(digest ?? '') || Number.isNaN(Date.parse(failedAt))) {
        throw new BadRequestException('cursor: is not a cursor this API returned');
      }
      after = { failedAt, clusterId, digest };
    }
    const groups = await this.visibleGroups(caller);
    const clusterIds = groups === null ? null : await this.clustersIn(orgId, groups);
    const scoped = query.clusterId ? (clusterIds === null || clusterIds.includes(query.clusterId) ? [query.clusterId] : []) : clusterIds;
    const rows = await this.targets.failures(orgId, scoped, { limit: page.limit, after });
    const result = toPage(rows, page.limit, (r) => `${r.failedAt.toISOString()}|${r.clusterId}|${r.imageDigest}`);
    return {
      items: result.items.map((r) => ({
        clusterId: r.clusterId,
        imageDigest: r.imageDigest,
        failures: r.failures,
        error: r.lastError,
        failedAt: r.failedAt.toISOString(),
        retryAt: r.dueAt?.toISOString() ?? null,
      })),
      nextCursor: result.nextCursor,
    };
  }

  async schedule(caller: Caller) {
    return scheduleView(await this.schedules.get(orgOf(caller)));
  }

  async setSchedule(caller: Caller, intervalSeconds: number) {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'owner', await this.authorizer.rootGroupOf(orgId));
    return scheduleView(await this.schedules.setInterval(orgId, intervalSeconds));
  }

  /** Every group the caller may view (null: all of them). */
  private async visibleGroups(caller: Caller): Promise<string[] | null> {
    const roots = await this.authorizer.groupsWithRole(caller, 'viewer');
    return roots === null ? null : this.authorizer.groupsAtOrBelow(caller, roots);
  }

  private async clustersIn(orgId: string, groups: string[]): Promise<string[]> {
    return this.targets.clustersInGroups(orgId, groups);
  }
}

function violationView(v: ViolationRow, actions: readonly ViolationActionRow[]) {
  return {
    id: v.id,
    clusterId: v.clusterId,
    policy: { id: v.policyId, name: v.policyName, revision: v.policyRevision, mode: v.mode },
    image: { digest: v.imageDigest, ref: v.imageRef },
    workloads: v.workloads,
    state: v.state,
    openedAt: v.openedAt.toISOString(),
    resolvedAt: v.resolvedAt?.toISOString() ?? null,
    resolution: v.resolution,
    reasons: v.reasons,
    actions: actions
      .filter((a) => a.violationId === v.id)
      .map((a) => ({
        type: a.type,
        commandId: a.commandId,
        workload: { namespace: a.namespace, kind: a.workloadKind, name: a.workloadName },
        queuedAt: a.queuedAt.toISOString(),
        outcome: a.outcome,
        ackedAt: a.ackedAt?.toISOString() ?? null,
        message: a.message,
      })),
  };
}

function scheduleView(s: { intervalSeconds: number; lastSweepAt: Date | null; nextSweepAt: Date }) {
  return { intervalSeconds: s.intervalSeconds, lastSweepAt: s.lastSweepAt?.toISOString() ?? null, nextSweepAt: s.nextSweepAt.toISOString() };
}
