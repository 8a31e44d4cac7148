import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Database, queryRows } from '@vigil/shared/database';
import type { OpenViolation, Resolution, ViolationOpening, Workload } from '../core/verification.types';

export interface ViolationRow {
  id: string;
  clusterId: string;
  groupId: string;
  policyId: string;
  policyName: string;
  policyRevision: number;
  mode: string;
  imageDigest: string;
  imageRef: string;
  workloads: Workload[];
  reasons: string[];
  state: 'open' | 'resolved';
  openedAt: Date;
  resolvedAt: Date | null;
  resolution: Resolution | null;
}

export interface ViolationActionRow {
  violationId: string;
  type: string;
  commandId: string;
  namespace: string;
  workloadKind: string;
  workloadName: string;
  queuedAt: Date;
  outcome: string | null;
  ackedAt: Date | null;
  message: string | null;
}

export interface OpenedViolation extends ViolationOpening {
  readonly id: string;
}

const COLUMNS = `id, cluster_id, group_id, policy_id, policy_name, policy_revision, mode, image_digest, image_ref, workloads, reasons, state, opened_at, resolved_at, resolution`;

/** `violations` (never deleted) and `violation_actions` (what the platform did about them). */
@Injectable()
export class ViolationRepository {
  constructor(private readonly database: Database) {}

  async openFor(orgId: string, clusterId: string, digests: readonly string[]): Promise<OpenViolation[]> {
    const rows: { id: string; image_digest: string; policy_id: string }[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT id, image_digest, policy_id FROM violations WHERE org_id = $1 AND cluster_id = $2 AND state = 'open' AND image_digest = ANY($3::text[])`,
        [orgId, clusterId, digests],
      ),
    );
    return rows.map((r) => ({ id: r.id, digest: r.image_digest, policyId: r.policy_id }));
  }

  /** `openFor` for pairs across clusters. */
  async openForPairs(orgId: string, pairs: readonly { clusterId: string; digest: string }[]): Promise<(OpenViolation & { clusterId: string })[]> {
    if (pairs.length === 0) return [];
    const rows: { id: string; cluster_id: string; image_digest: string; policy_id: string }[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT v.id, v.cluster_id, v.image_digest, v.policy_id
           FROM violations v JOIN unnest($2::uuid[], $3::text[]) AS p(c, d) ON v.cluster_id = p.c AND v.image_digest = p.d
          WHERE v.org_id = $1 AND v.state = 'open'`,
        [orgId, pairs.map((p) => p.clusterId), pairs.map((p) => p.digest)],
      ),
    );
    return rows.map((r) => ({ id: r.id, clusterId: r.cluster_id, digest: r.image_digest, policyId: r.policy_id }));
  }

  async open(orgId: string, clusterId: string, groupId: string, openings: readonly ViolationOpening[], at: Date): Promise<OpenedViolation[]> {
    return this.openMany(
      orgId,
      openings.map((o) => ({ ...o, clusterId, groupId })),
      at,
    );
  }

  /** `open` for violations across clusters: one statement. */
  async openMany<T extends ViolationOpening & { clusterId: string; groupId: string }>(orgId: string, openings: readonly T[], at: Date): Promise<(T & { id: string })[]> {
    if (openings.length === 0) return [];
    const opened = openings.map((o) => ({ ...o, id: randomUUID() }));
    await this.database.forOrg(orgId, (m) =>
      m.query(
        `INSERT INTO violations (id, org_id, cluster_id, group_id, policy_id, policy_name, policy_revision, mode, image_digest, image_ref, workloads, reasons, state, opened_at)
         SELECT v.id, $1, v.cluster_id, v.group_id, v.policy_id, v.policy_name, v.revision, v.mode, v.digest, v.image_ref, v.workloads, v.reasons, 'open', $3
           FROM jsonb_to_recordset($2::jsonb) AS v(id uuid, cluster_id uuid, group_id uuid, policy_id uuid, policy_name text, revision int, mode text, digest text, image_ref text, workloads jsonb, reasons jsonb)`,
        [
          orgId,
          JSON.stringify(
            opened.map((o) => ({
              id: o.id,
              cluster_id: o.clusterId,
              group_id: o.groupId,
              policy_id: o.result.policyId,
              policy_name: o.result.policyName,
              revision: o.result.revision,
              mode: o.result.mode,
              digest: o.digest,
              image_ref: o.result.imageRef,
              workloads: o.workloads,
              reasons: o.result.reasons,
            })),
          ),
          at,
        ],
      ),
    );
    return opened;
  }

  async resolve(orgId: string, resolves: readonly { id: string; resolution: Resolution }[], at: Date): Promise<void> {
    if (resolves.length === 0) return;
    await this.database.forOrg(orgId, (m) =>
      m.query(
        `UPDATE violations v SET state = 'resolved', resolved_at = $4, resolution = r.resolution
           FROM unnest($2::uuid[], $3::text[]) AS r(id, resolution)
          WHERE v.org_id = $1 AND v.id = r.id AND v.state = 'open'`,
        [orgId, resolves.map((r) => r.id), resolves.map((r) => r.resolution), at],
      ),
    );
  }

  /** Open violations in a cluster (or the whole org) whose image runs nowhere in its cluster any more. */
  async resolveStopped(orgId: string, clusterId: string | null): Promise<number> {
    const { affected } = await this.database.forOrg(orgId, (m) =>
      queryRows(
        m,
        `UPDATE violations v SET state = 'resolved', resolved_at = now(), resolution = 'stopped-running'
          WHERE v.org_id = $1 AND v.state = 'open' AND ($2::uuid IS NULL OR v.cluster_id = $2)
            AND NOT EXISTS (SELECT 1 FROM observations o
                             WHERE o.org_id = v.org_id AND o.cluster_id = v.cluster_id AND o.image_digest = v.image_digest AND o.running)`,
        [orgId, clusterId],
      ),
    );
    return affected;
  }

  async recordAction(orgId: string, action: { violationId: string; type: string; commandId: string; workload: Workload }): Promise<void> {
    await this.database.forOrg(orgId, (m) =>
      m.query(
        `INSERT INTO violation_actions (org_id, violation_id, type, command_id, namespace, workload_kind, workload_name) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [orgId, action.violationId, action.type, action.commandId, action.workload.namespace, action.workload.kind, action.workload.name],
      ),
    );
  }

  async findById(orgId: string, id: string): Promise<ViolationRow | null> {
    const rows = await this.database.forOrg(orgId, (m) => m.query(`SELECT ${COLUMNS} FROM violations WHERE org_id = $1 AND id = $2`, [orgId, id]));
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** In id order (a stable cursor); `groupIds` null: every group. */
  async list(orgId: string, filter: { state?: 'open' | 'resolved'; clusterId?: string; groupIds: string[] | null }, page: { limit: number; after: string | null }): Promise<ViolationRow[]> {
    const rows = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT ${COLUMNS} FROM violations
          WHERE org_id = $1 AND ($2::text IS NULL OR state = $2) AND ($3::uuid IS NULL OR cluster_id = $3)
            AND ($4::uuid[] IS NULL OR group_id = ANY($4::uuid[])) AND ($5::uuid IS NULL OR id > $5)
          ORDER BY id LIMIT $6`,
        [orgId, filter.state ?? null, filter.clusterId ?? null, filter.groupIds, page.after, page.limit + 1],
      ),
    );
    return rows.map(toRow);
  }

  /** Actions with the outcome the agent acknowledged (the command row is the ack log). */
  async actionsFor(orgId: string, violationIds: readonly string[]): Promise<ViolationActionRow[]> {
    if (violationIds.length === 0) return [];
    const rows: Record<string, any>[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT a.violation_id, a.type, a.command_id, a.namespace, a.workload_kind, a.workload_name, a.queued_at, c.outcome, c.acked_at, c.message
           FROM violation_actions a LEFT JOIN agent_commands c ON c.org_id = a.org_id AND c.id = a.command_id
          WHERE a.org_id = $1 AND a.violation_id = ANY($2::uuid[]) ORDER BY a.id`,
        [orgId, violationIds],
      ),
    );
    return rows.map((r) => ({
      violationId: r.violation_id,
      type: r.type,
      commandId: r.command_id,
      namespace: r.namespace,
      workloadKind: r.workload_kind,
      workloadName: r.workload_name,
      queuedAt: r.queued_at,
      outcome: r.outcome,
      ackedAt: r.acked_at,
      message: r.message,
    }));
  }
}

function toRow(r: Record<string, any>): ViolationRow {
  return {
    id: r.id,
    clusterId: r.cluster_id,
    groupId: r.group_id,
    policyId: r.policy_id,
    policyName: r.policy_name,
    policyRevision: r.policy_revision,
    mode: r.mode,
    imageDigest: r.image_digest,
    imageRef: r.image_ref,
    workloads: r.workloads,
    reasons: r.reasons,
    state: r.state,
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    resolution: r.resolution,
  };
}
