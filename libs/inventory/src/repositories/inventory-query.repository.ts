import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';
import { ObservationEntity } from '../entities';

export interface ContainerQuery {
  /** null: every cluster of the org the caller may see is allowed (admins, root viewers). */
  clusterIds: string[] | null;
  namespace?: string;
  workloadKind?: string;
  workloadName?: string;
  imageDigest?: string;
  imageRef?: string;
  /** 'now': running rows; 'ended': closed rows; 'all': both (instants go through activeAt). */
  when: 'now' | 'ended' | 'all';
  afterId: string | null;
  limit: number;
}

/** Inventory reads, written for the planner (see the indexes in ClustersAndInventory). */
@Injectable()
export class InventoryQueryRepository {
  constructor(private readonly database: Database) {}

  containers(orgId: string, q: ContainerQuery): Promise<ObservationEntity[]> {
    return this.database.forOrg(orgId, (m) => {
      const b = m.createQueryBuilder(ObservationEntity, 'o').where('o.org_id = :orgId', { orgId });
      if (q.clusterIds) b.andWhere('o.cluster_id = ANY(:clusterIds::uuid[])', { clusterIds: q.clusterIds });
      if (q.namespace) b.andWhere('o.namespace = :namespace', { namespace: q.namespace });
      if (q.workloadKind) b.andWhere('o.workload_kind = :workloadKind', { workloadKind: q.workloadKind });
      if (q.workloadName) b.andWhere('o.workload_name = :workloadName', { workloadName: q.workloadName });
      if (q.imageDigest) b.andWhere('o.image_digest = :imageDigest', { imageDigest: q.imageDigest });
      if (q.imageRef) b.andWhere('o.image_ref = :imageRef', { imageRef: q.imageRef });
      if (q.when === 'now') b.andWhere('o.running');
      else if (q.when === 'ended') b.andWhere('NOT o.running');
      if (q.afterId) b.andWhere('o.id > :afterId', { afterId: q.afterId });
      return b.orderBy('o.id', 'ASC').limit(q.limit + 1).getMany();
    });
  }

  /**
   * "What ran at T", most recently started first: scanning back from T over
   * (org, first_seen desc, id desc) meets the active containers early, so a
   * page costs about a page of rows. `afterKey` is the last row's
   * (first_seen in microseconds, id); microseconds keep the keyset exact.
   */
  async activeAt(orgId: string, at: Date, q: Omit<ContainerQuery, 'when' | 'afterId'> & { afterKey: { firstSeenUs: string; id: string } | null }) {
    const rows: (Record<string, unknown> & { first_seen_us: string })[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT o.*, (extract(epoch FROM o.first_seen) * 1000000)::bigint::text AS first_seen_us
           FROM observations o
          WHERE o.org_id = $1 AND o.first_seen <= $2 AND (o.running OR o.last_seen > $2)
            AND ($3::uuid[] IS NULL OR o.cluster_id = ANY($3::uuid[]))
            AND ($4::text IS NULL OR o.namespace = $4)
            AND ($5::text IS NULL OR o.workload_kind = $5)
            AND ($6::text IS NULL OR o.workload_name = $6)
            AND ($7::text IS NULL OR o.image_digest = $7)
            AND ($8::text IS NULL OR o.image_ref = $8)
            AND ($9::bigint IS NULL OR (o.first_seen, o.id) < (timestamptz 'epoch' + $9::bigint * interval '1 microsecond', $10::bigint))
          ORDER BY o.first_seen DESC, o.id DESC
          LIMIT $11`,
        [
          orgId,
          at,
          q.clusterIds,
          q.namespace ?? null,
          q.workloadKind ?? null,
          q.workloadName ?? null,
          q.imageDigest ?? null,
          q.imageRef ?? null,
          q.afterKey?.firstSeenUs ?? null,
          q.afterKey?.id ?? null,
          q.limit + 1,
        ],
      ),
    );
    return rows.map((r) => ({ row: toObservation(r), key: `${r.first_seen_us}.${String(r.id)}` }));
  }

  async usage(orgId: string, clusterId: string): Promise<{ runningPods: number; runningContainers: number; runningImages: number }> {
    const rows: { pods: number; containers: number; images: number }[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT count(DISTINCT pod_uid)::int AS pods, count(*)::int AS containers, count(DISTINCT image_digest)::int AS images
           FROM observations WHERE org_id = $1 AND cluster_id = $2 AND running`,
        [orgId, clusterId],
      ),
    );
    return { runningPods: rows[0].pods, runningContainers: rows[0].containers, runningImages: rows[0].images };
  }

  /**
   * Retention: deletes ended intervals older than the cutoff, a bounded chunk
   * at a time, and trims the workload runs they belonged to (same
   * transaction). A deleted row changes a run only if it was the run's
   * earliest (its first_seen is the run's): the run then starts at its
   * earliest remaining observation, or goes if none is left. It cannot split
   * a run once the chunks are done: what remains ends after the cutoff, so no
   * deleted row (ended before it) bridged a gap between remaining rows.
   * A group left without runs is removed from workload_images. Rows of pods
   * still due for folding (inventory_folds_due) wait for the fold: trimming
   * assumes the runs already hold what is deleted.
   */
  async deleteEndedBefore(orgId: string, cutoff: Date, chunk = 10_000): Promise<number> {
    return this.database.forOrg(orgId, async (m) => {
      const starts: { cluster_id: string; namespace: string; wk: string; wn: string; d: string; ref: string; f: string; n: string }[] = await m.query(
        `WITH gone AS (
           DELETE FROM observations WHERE id IN (
             SELECT id FROM observations o WHERE org_id = $1 AND NOT running AND last_seen < $2
                -- a pod still due for folding keeps its rows until the fold has seen them (else a run it closed could stay open)
                AND NOT EXISTS (SELECT 1 FROM inventory_folds_due f WHERE f.org_id = $1 AND f.cluster_id = o.cluster_id AND f.pod_uid = o.pod_uid)
              LIMIT $3)
           RETURNING cluster_id, namespace, coalesce(workload_kind, '') AS wk, coalesce(workload_name, '') AS wn, image_digest AS d, image_ref AS ref, first_seen AS f)
         -- first_seen as text: a JS Date would drop the microseconds the comparison below needs
         SELECT cluster_id, namespace, wk, wn, d, ref, f::text AS f, count(*) AS n FROM gone GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1, 2, 3, 4, 5, 6, 7`,
        [orgId, cutoff, chunk],
      );
      if (starts.length === 0) return 0;
      await m.query(
        `WITH gone AS (
           SELECT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[]) AS g(cluster_id, namespace, wk, wn, d, ref, f)
         ), hit AS (
           SELECT r.id, r.cluster_id, r.namespace, r.workload_kind AS wk, r.workload_name AS wn, r.image_digest AS d, r.image_ref AS ref, r.first_seen, r.last_seen
             FROM workload_image_runs r
            WHERE r.org_id = $1 AND EXISTS (
              SELECT 1 FROM gone g
               WHERE r.image_digest = g.d AND r.cluster_id = g.cluster_id AND r.namespace = g.namespace AND r.workload_kind = g.wk
                 AND r.workload_name = g.wn AND r.image_ref = g.ref AND r.first_seen = g.f)
            ORDER BY r.id
            FOR UPDATE OF r
         ), next AS (
           SELECT h.id, (SELECT min(o.first_seen) FROM observations o
                          WHERE o.org_id = $1 AND o.image_digest = h.d AND o.cluster_id = h.cluster_id AND o.namespace = h.namespace
                            AND coalesce(o.workload_kind, '') = h.wk AND coalesce(o.workload_name, '') = h.wn AND o.image_ref = h.ref
                            AND (o.running OR o.last_seen > o.first_seen)
                            AND o.first_seen >= h.first_seen AND o.first_seen <= h.last_seen + interval '1 minute') AS f
             FROM hit h
         ), trimmed AS (
           UPDATE workload_image_runs r SET first_seen = n.f FROM next n WHERE r.id = n.id AND n.f IS NOT NULL AND n.f <> r.first_seen RETURNING 1
         ), emptied AS (
           DELETE FROM workload_image_runs r USING next n WHERE r.id = n.id AND n.f IS NULL RETURNING 1
         )
         SELECT (SELECT count(*) FROM trimmed) AS trimmed, (SELECT count(*) FROM emptied) AS emptied`,
        [
          orgId,
          starts.map((s) => s.cluster_id),
          starts.map((s) => s.namespace),
          starts.map((s) => s.wk),
          starts.map((s) => s.wn),
          starts.map((s) => s.d),
          starts.map((s) => s.ref),
          starts.map((s) => s.f),
        ],
      );
      // A group left without runs leaves the list exposure walks (a separate statement: it must see the deletes above).
      await m.query(
        `DELETE FROM workload_images g
          USING (SELECT DISTINCT * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS x(cluster_id, namespace, wk, wn, d, ref)) x
          WHERE g.org_id = $1 AND g.image_digest = x.d AND g.cluster_id = x.cluster_id AND g.namespace = x.namespace
            AND g.workload_kind = x.wk AND g.workload_name = x.wn AND g.image_ref = x.ref
            AND NOT EXISTS (SELECT 1 FROM workload_image_runs r
                             WHERE r.org_id = $1 AND r.image_digest = x.d AND r.cluster_id = x.cluster_id AND r.namespace = x.namespace
                               AND r.workload_kind = x.wk AND r.workload_name = x.wn AND r.image_ref = x.ref)`,
        [orgId, ...(['cluster_id', 'namespace', 'wk', 'wn', 'd', 'ref'] as const).map((k) => starts.map((s) => s[k]))],
      );
      return starts.reduce((n, s) => n + Number(s.n), 0);
    });
  }
}

function toObservation(r: Record<string, unknown>): ObservationEntity {
  return Object.assign(new ObservationEntity(), {
    id: String(r.id),
    orgId: r.org_id,
    clusterId: r.cluster_id,
    podUid: r.pod_uid,
    namespace: r.namespace,
    podName: r.pod_name,
    workloadKind: r.workload_kind,
    workloadName: r.workload_name,
    node: r.node,
    containerName: r.container_name,
    containerType: r.container_type,
    imageRef: r.image_ref,
    imageDigest: r.image_digest,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    running: r.running,
    seenInSnapshot: r.seen_in_snapshot,
  });
}
