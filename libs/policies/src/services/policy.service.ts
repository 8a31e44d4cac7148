import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException, Optional } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { AuditService } from '@vigil/audit';
import { EVENT_TYPES, EventPublisher, orgSource } from '@vigil/events';
import { actorOf, AUTHORIZER, Authorizer, Caller, orgOf } from '@vigil/shared/auth';
import { Database, PageRequest, toPage } from '@vigil/shared/database';
import { CreatePolicyDto } from '../dtos/create-policy.dto';
import { UpdatePolicyDto } from '../dtos/update-policy.dto';
import type { PolicyEntity } from '../entities';
import { NewRevision, PolicyRepository } from '../repositories';
import { EffectivePoliciesService } from './effective-policies.service';
import { POLICY_CHANGE_LISTENER, type PolicyChangeListener } from '../hooks/policy-change.listener';
import { unifiedDiff } from '../diff/unified-diff';
import { readPolicyDocument, type ReadDocument } from './policy-document.reader';
import { policyView, revisionView } from './policy-views';

/**
 * Policies on groups: editors change them, viewers read them. Every change is
 * a new immutable revision, committed with its audit entry.
 */
@Injectable()
export class PolicyService {
  constructor(
    private readonly database: Database,
    private readonly policies: PolicyRepository,
    private readonly audit: AuditService,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
    private readonly publisher: EventPublisher,
    private readonly effective: EffectivePoliciesService,
    @Optional() @Inject(POLICY_CHANGE_LISTENER) private readonly listener?: PolicyChangeListener,
  ) {}

  async create(caller: Caller, dto: CreatePolicyDto) {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'editor', dto.groupId);
    const read = readPolicyDocument(dto.document);
    const id = randomUUID();
    return this.database.forOrg(orgId, async () => {
      await this.assertNameFree(orgId, read.policy.name);
      await this.policies.create({ id, orgId, groupId: dto.groupId, name: read.policy.name }, this.revisionRow(caller, orgId, id, 1, dto.groupId, read));
      await this.audit.record(caller, {
        action: 'policy.create',
        objectType: 'policy',
        objectId: id,
        details: { name: read.policy.name, groupId: dto.groupId, revision: 1 },
      });
      await this.changed(caller, orgId, EVENT_TYPES.policyCreated, { id, name: read.policy.name, groupId: dto.groupId, revision: 1, mode: read.policy.mode });
      return { id, name: read.policy.name, revision: 1, groupId: dto.groupId };
    });
  }

  async update(caller: Caller, id: string, dto: UpdatePolicyDto) {
    const current = await this.mustFind(caller, id, 'editor');
    const orgId = current.orgId;
    const groupId = dto.groupId ?? current.groupId;
    if (groupId !== current.groupId) await this.authorizer.assertRole(caller, 'editor', groupId);
    const read = readPolicyDocument(dto.document);
    return this.database.forOrg(orgId, async () => {
      if (read.policy.name !== current.name) await this.assertNameFree(orgId, read.policy.name);
      const revision = await this.policies.advance(orgId, id, { name: read.policy.name, groupId, expectedRevision: dto.baseRevision });
      if (revision === null) {
        if (dto.baseRevision === undefined) throw new NotFoundException(`policy ${id} not found`);
        throw new ConflictException(`baseRevision: revision ${dto.baseRevision} is no longer the current revision of policy ${id}`);
      }
      await this.policies.insertRevision(this.revisionRow(caller, orgId, id, revision, groupId, read));
      await this.audit.record(caller, {
        action: 'policy.update',
        objectType: 'policy',
        objectId: id,
        details: { name: read.policy.name, groupId, revision, ...(read.policy.name !== current.name ? { previousName: current.name } : {}) },
      });
      await this.changed(caller, orgId, EVENT_TYPES.policyUpdated, { id, name: read.policy.name, groupId, revision, mode: read.policy.mode });
      return { id, name: read.policy.name, revision, groupId };
    });
  }

  async remove(caller: Caller, id: string): Promise<void> {
    const policy = await this.mustFind(caller, id, 'editor');
    await this.database.forOrg(policy.orgId, async () => {
      if (!(await this.policies.retire(policy.orgId, id))) throw new NotFoundException(`policy ${id} not found`);
      await this.audit.record(caller, {
        action: 'policy.delete',
        objectType: 'policy',
        objectId: id,
        details: { name: policy.name, groupId: policy.groupId, revision: policy.currentRevision },
      });
      await this.changed(caller, policy.orgId, EVENT_TYPES.policyDeleted, { id, name: policy.name, groupId: policy.groupId, revision: policy.currentRevision, mode: null }, true);
    });
  }

  async get(caller: Caller, id: string) {
    const policy = await this.mustFind(caller, id, 'viewer');
    const current = await this.policies.findRevision(policy.orgId, id, policy.currentRevision);
    return policyView(policy, current ?? undefined);
  }

  async list(caller: Caller, page: PageRequest, groupId?: string) {
    const orgId = orgOf(caller);
    let groups: string[] | null;
    if (groupId) {
      await this.authorizer.assertRole(caller, 'viewer', groupId);
      groups = [groupId];
    } else {
      const roots = await this.authorizer.groupsWithRole(caller, 'viewer');
      groups = roots === null ? null : await this.authorizer.groupsAtOrBelow(caller, roots);
    }
    const rows = await this.policies.list(orgId, groups, page);
    const result = toPage(rows, page.limit, (p) => p.id);
    return { items: result.items.map((p) => policyView(p)), nextCursor: result.nextCursor };
  }

  async revisions(caller: Caller, id: string, page: PageRequest) {
    const policy = await this.mustFind(caller, id, 'viewer');
    if (page.after !== null && !/^[1-9]\d{0,9}$/.test(page.after)) throw new BadRequestException('cursor: is not a cursor this API returned');
    const rows = await this.policies.listRevisions(policy.orgId, id, page);
    const result = toPage(rows, page.limit, (r) => String(r.revision));
    return { items: result.items.map((r) => revisionView(r, false)), nextCursor: result.nextCursor };
  }

  async revision(caller: Caller, id: string, revision: number) {
    const policy = await this.mustFind(caller, id, 'viewer');
    return revisionView(await this.mustFindRevision(policy, revision), true);
  }

  /** A unified diff of the documents of two revisions (either order). */
  async diff(caller: Caller, id: string, from: number, to: number) {
    const policy = await this.mustFind(caller, id, 'viewer');
    const a = await this.mustFindRevision(policy, from);
    const b = await this.mustFindRevision(policy, to);
    const diff = unifiedDiff(a.document, b.document, { fromLabel: `${a.name} revision ${a.revision}`, toLabel: `${b.name} revision ${b.revision}` });
    return {
      policyId: id,
      from: { revision: a.revision, name: a.name, groupId: a.groupId, mode: a.mode, createdAt: a.createdAt.toISOString() },
      to: { revision: b.revision, name: b.name, groupId: b.groupId, mode: b.mode, createdAt: b.createdAt.toISOString() },
      identical: diff === '',
      diff,
    };
  }

  /**
   * In the change's transaction: the control-plane event (one per revision,
   * its id derived from the revision so a replay cannot emit it twice) and the
   * continuous-verification trigger.
   */
  private async changed(
    caller: Caller,
    orgId: string,
    type: string,
    policy: { id: string; name: string; groupId: string; revision: number; mode: string | null },
    retired = false,
  ): Promise<void> {
    await this.publisher.publish(orgId, {
      id: stableUuid(`${type}|${orgId}|${policy.id}|${policy.revision}`),
      type,
      groupId: policy.groupId,
      source: orgSource(orgId),
      subject: policy.id,
      data: { policyId: policy.id, name: policy.name, groupId: policy.groupId, revision: policy.revision, mode: policy.mode, actor: actorOf(caller) },
    });
    await this.listener?.policyChanged({ orgId, policyId: policy.id, revision: retired ? null : policy.revision });
    await this.database.afterCommit(() => this.effective.forgetOrg(orgId));
  }

  private revisionRow(caller: Caller, orgId: string, policyId: string, revision: number, groupId: string, read: ReadDocument): NewRevision {
    const actor = actorOf(caller);
    return {
      policyId,
      revision,
      orgId,
      groupId,
      name: read.policy.name,
      apiVersion: read.policy.apiVersion,
      kind: read.policy.kind,
      mode: read.policy.mode,
      document: read.text,
      documentSha256: `sha256:${createHash('sha256').update(read.text, 'utf8').digest('hex')}`,
      actorType: actor.type,
      actorId: actor.id,
    };
  }

  private async assertNameFree(orgId: string, name: string): Promise<void> {
    if (await this.policies.findLiveByName(orgId, name)) throw new ConflictException(`a policy named '${name}' already exists in this organization`);
  }

  /** 404 for missing, retired and invisible policies alike; 403 when visible but the role is missing. */
  private async mustFind(caller: Caller, id: string, role: 'viewer' | 'editor'): Promise<PolicyEntity> {
    const policy = await this.policies.findLive(orgOf(caller), id);
    if (!policy) throw new NotFoundException(`policy ${id} not found`);
    try {
      await this.authorizer.assertRole(caller, role, policy.groupId);
    } catch (error) {
      if (error instanceof NotFoundException) throw new NotFoundException(`policy ${id} not found`);
      throw error;
    }
    return policy;
  }

  private async mustFindRevision(policy: PolicyEntity, revision: number) {
    const found = await this.policies.findRevision(policy.orgId, policy.id, revision);
    if (!found) throw new NotFoundException(`policy ${policy.id} has no revision ${revision}`);
    return found;
  }
}

/** A UUID (version 5 layout) derived from a name: the same change always gets the same event id. */
function stableUuid(name: string): string {
  const h = createHash('sha256').update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
