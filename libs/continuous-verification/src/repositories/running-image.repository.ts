import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';
import type { RunningImage, Workload } from '../core/verification.types';

export interface ClusterInfo {
  id: string;
  groupId: string;
  live: boolean;
}

/** Clusters with the same group and no-match behaviour have the same effective policies. */
export interface ClusterScope extends ClusterInfo {
  noMatch: string;
}

export interface RunningPair {
  clusterId: string;
  digest: string;
  ref: string;
}

/**
 * Read-only views of what runs where, from the inventory's `observations`
 * (and `clusters`/`groups` for scope). SQL only: this context does not import
 * the inventory's code, just as policies reads clusters.
 */
@Injectable()
export class RunningImageRepository {
  constructor(private readonly database: Database) {}

  async cluster(orgId: string, clusterId: string): Promise<ClusterInfo | null> {
    const rows: { id: string; group_id: string; deleted_at: Date | null }[] = await this.database.forOrg(orgId, (m) =>
      m.query(`SELECT id, group_id, deleted_at FROM clusters WHERE org_id = $1 AND id = $2`, [orgId, clusterId]),
    );
    return rows[0] ? { id: rows[0].id, groupId: rows[0].group_id, live: rows[0].deleted_at === null } : null;
  }

  async clusters(orgId: string, clusterIds: readonly string[]): Promise<Map<string, ClusterScope>> {
    if (clusterIds.length === 0) return new Map();
    const rows: { id: string; group_id: string; no_match: string; deleted_at: Date | null }[] = await this.database.forOrg(orgId, (m) =>
      m.query(`SELECT id, group_id, no_match, deleted_at FROM clusters WHERE org_id = $1 AND id = ANY($2::uuid[])`, [orgId, clusterIds]),
    );
    return new Map(rows.map((r) => [r.id, { id: r.id, groupId: r.group_id, noMatch: String(r.no_match), live: r.deleted_at === null }]));
  }

  /** `runningIn` for (cluster, digest) pairs across clusters: by cluster, then digest. */
  async runningInPairs(orgId: string, pairs: readonly { clusterId: string; digest: string }[]): Promise<Map<string, Map<string, RunningImage>>> {
    const byCluster = new Map<string, Map<string, RunningImage>>();
    if (pairs.length === 0) return byCluster;
    const rows: { cluster_id: string; image_digest: string; refs: string[]; workloads: Workload[]; last_seen: Date; first_seen: Date }[] = await this.database.forOrg(
      orgId,
      (m) =>
        m.query(
          `SELECT o.cluster_id, o.image_digest,
                  array_agg(DISTINCT o.image_ref ORDER BY o.image_ref) AS refs,
                  jsonb_agg(DISTINCT jsonb_build_object('namespace', o.namespace, 'kind', COALESCE(o.workload_kind, 'Pod'), 'name', COALESCE(o.workload_name, o.pod_name))) AS workloads,
                  max(o.last_seen) AS last_seen, min(o.first_seen) AS first_seen
             FROM observations o JOIN unnest($2::uuid[], $3::text[]) AS p(c, d) ON o.cluster_id = p.c AND o.image_digest = p.d
            WHERE o.org_id = $1 AND o.running
            GROUP BY o.cluster_id, o.image_digest`,
          [orgId, pairs.map((p) => p.clusterId), pairs.map((p) => p.digest)],
        ),
    );
    for (const r of rows) {
      const images = byCluster.get(r.cluster_id) ?? new Map<string, RunningImage>();
      images.set(r.image_digest, { digest: r.image_digest, refs: r.refs, workloads: [...r.workloads].sort(byWorkload), lastSeen: r.last_seen, firstSeen: r.first_seen });
      byCluster.set(r.cluster_id, images);
    }
    return byCluster;
  }

  /** These digests as they run in the cluster now (absent: not running). */
  async runningIn(orgId: string, clusterId: string, digests: readonly string[]): Promise<Map<string, RunningImage>> {
    const rows: { image_digest: string; refs: string[]; workloads: Workload[]; last_seen: Date; first_seen: Date }[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT o.image_digest,
                array_agg(DISTINCT o.image_ref ORDER BY o.image_ref) AS refs,
                jsonb_agg(DISTINCT jsonb_build_object('namespace', o.namespace, 'kind', COALESCE(o.workload_kind, 'Pod'), 'name', COALESCE(o.workload_name, o.pod_name))) AS workloads,
                max(o.last_seen) AS last_seen, min(o.first_seen) AS first_seen
           FROM observations o
          WHERE o.org_id = $1 AND o.cluster_id = $2 AND o.running AND o.image_digest = ANY($3::text[])
          GROUP BY o.image_digest`,
        [orgId, clusterId, digests],
      ),
    );
    return new Map(
      rows.map((r) => [
        r.image_digest,
        { digest: r.image_digest, refs: r.refs, workloads: [...r.workloads].sort(byWorkload), lastSeen: r.last_seen, firstSeen: r.first_seen },
      ]),
    );
  }

  /** Every (cluster, digest, ref) running in live clusters at or below a group. */
  async runningUnderGroup(orgId: string, groupId: string): Promise<RunningPair[]> {
    const rows: { cluster_id: string; image_digest: string; image_ref: string }[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT DISTINCT o.cluster_id, o.image_digest, o.image_ref
           FROM clusters c
           JOIN groups g ON g.org_id = c.org_id AND g.id = c.group_id
           JOIN observations o ON o.org_id = c.org_id AND o.cluster_id = c.id AND o.running
          WHERE c.org_id = $1 AND c.deleted_at IS NULL AND $2::uuid = ANY (g.ancestor_ids)`,
        [orgId, groupId],
      ),
    );
    return rows.map((r) => ({ clusterId: r.cluster_id, digest: r.image_digest, ref: r.image_ref }));
  }

  /** Every (cluster, digest) running in the org's live clusters that runs any of these digests. */
  async runningDigests(orgId: string, digests: readonly string[]): Promise<{ clusterId: string; digest: string }[]> {
    const rows: { cluster_id: string; image_digest: string }[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT DISTINCT o.cluster_id, o.image_digest FROM observations o JOIN clusters c ON c.org_id = o.org_id AND c.id = o.cluster_id AND c.deleted_at IS NULL
          WHERE o.org_id = $1 AND o.running AND o.image_digest = ANY($2::text[])`,
        [orgId, digests],
      ),
    );
    return rows.map((r) => ({ clusterId: r.cluster_id, digest: r.image_digest }));
  }

  /** The group a policy revision was attached to. */
  async revisionGroup(orgId: string, policyId: string, revision: number): Promise<string | null> {
    const rows: { group_id: string }[] = await this.database.forOrg(orgId, (m) =>
      m.query(`SELECT group_id FROM policy_revisions WHERE org_id = $1 AND policy_id = $2 AND revision = $3`, [orgId, policyId, revision]),
    );
    return rows[0]?.group_id ?? null;
  }
}

function byWorkload(a: Workload, b: Workload): number {
  return a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);
}
