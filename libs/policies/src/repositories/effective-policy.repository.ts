import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';

export interface EffectiveRevisions {
  noMatch: 'allow' | 'warn' | 'deny';
  /** Live policies attached to the cluster's group or any ancestor, by id. */
  revisions: { policyId: string; revision: number }[];
}

export interface StoredRevision {
  policyId: string;
  revision: number;
  name: string;
  mode: string;
  document: string;
}

/**
 * The admission hot path: one indexed query answers "which policy revisions
 * govern this cluster, and what does it do with unmatched images".
 */
@Injectable()
export class EffectivePolicyRepository {
  constructor(private readonly database: Database) {}

  async forCluster(orgId: string, clusterId: string): Promise<EffectiveRevisions | null> {
    const rows: { no_match: EffectiveRevisions['noMatch']; policy_id: string | null; revision: number | null }[] = await this.database.forOrg(
      orgId,
      (m) =>
        m.query(
          `SELECT c.no_match, p.id AS policy_id, p.current_revision AS revision
             FROM clusters c
             JOIN groups g ON g.org_id = c.org_id AND g.id = c.group_id
             LEFT JOIN policies p ON p.org_id = c.org_id AND p.group_id = ANY (g.ancestor_ids) AND p.deleted_at IS NULL
            WHERE c.org_id = $1 AND c.id = $2 AND c.deleted_at IS NULL
            ORDER BY p.id`,
          [orgId, clusterId],
        ),
    );
    if (rows.length === 0) return null;
    return {
      noMatch: rows[0].no_match,
      revisions: rows.filter((r) => r.policy_id !== null).map((r) => ({ policyId: r.policy_id!, revision: r.revision! })),
    };
  }

  async documents(orgId: string, wanted: readonly { policyId: string; revision: number }[]): Promise<StoredRevision[]> {
    if (wanted.length === 0) return [];
    const rows: { policy_id: string; revision: number; name: string; mode: string; document: string }[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT r.policy_id, r.revision, r.name, r.mode, r.document
           FROM policy_revisions r
           JOIN unnest($2::uuid[], $3::int[]) AS w(policy_id, revision) ON w.policy_id = r.policy_id AND w.revision = r.revision
          WHERE r.org_id = $1`,
        [orgId, wanted.map((w) => w.policyId), wanted.map((w) => w.revision)],
      ),
    );
    return rows.map((r) => ({ policyId: r.policy_id, revision: r.revision, name: r.name, mode: r.mode, document: r.document }));
  }
}
