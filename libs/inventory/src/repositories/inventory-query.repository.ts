import { Injectable } from '@nestjs/common';
import { Database, queryRows } from '@vigil/shared/database';
import { ObservationEntity } from '../entities';

export interface ContainerQuery {
  /** null: every cluster of the org the caller may see is allowed (admins, root viewers). */
  clusterIds: string[] | null;
  namespace?: string;
  workloadKind?: string;
  workloadName?: string;
  imageDigest?: string;
  imageRef?: string;
  /** 'now': running rows; 'ended': closed rows; 'all': both; a Date: rows active at that instant. */
  when: 'now' | 'ended' | 'all' | Date;
  afterId: string | null;
  limit: number;
}

/** Inventory reads, written for the planner (see the indexes in ClustersAndInventory). */
@Injectable()
export class InventoryQueryRepository {
  constructor(private readonly database: Database) {}

  containers(orgId: string, q: ContainerQuery): Promise<ObservationEntity[]> {
    if (q.when instanceof Date) return this.activeAt(orgId, q.when, q);
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

  /** "What ran at T": a GiST probe first, then paging over only what was active then. */
  private async activeAt(orgId: string, at: Date, q: ContainerQuery): Promise<ObservationEntity[]> {
    const rows: Record<string, unknown>[] = await this.database.forOrg(orgId, (m) =>
      m.query('SELECT * FROM vigil_observations_active_at($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
        at,
        q.clusterIds,
        q.namespace ?? null,
        q.workloadKind ?? null,
        q.workloadName ?? null,
        q.imageDigest ?? null,
        q.imageRef ?? null,
        q.afterId,
        q.limit + 1,
      ]),
    );
    return rows.map(toObservation);
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

  /** Retention: deletes ended intervals older than the cutoff, a bounded chunk at a time. */
  async deleteEndedBefore(orgId: string, cutoff: Date, chunk = 10_000): Promise<number> {
    const { affected } = await this.database.forOrg(orgId, (m) =>
      queryRows(
        m,
        `DELETE FROM observations WHERE id IN (
           SELECT id FROM observations WHERE org_id = $1 AND NOT running AND last_seen < $2 LIMIT $3)`,
        [orgId, cutoff, chunk],
      ),
    );
    return affected;
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
