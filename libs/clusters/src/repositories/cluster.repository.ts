import { Injectable } from '@nestjs/common';
import { Database, PageRequest, queryRows } from '@vigil/shared/database';
import { ClusterEntity } from '../entities';

@Injectable()
export class ClusterRepository {
  constructor(private readonly database: Database) {}

  findLive(orgId: string, id: string): Promise<ClusterEntity | null> {
    return this.database.forOrg(orgId, (m) =>
      m.createQueryBuilder(ClusterEntity, 'c').where('c.org_id = :orgId AND c.id = :id AND c.deleted_at IS NULL', { orgId, id }).getOne(),
    );
  }

  list(orgId: string, groupIds: string[] | null, page: PageRequest): Promise<ClusterEntity[]> {
    return this.database.forOrg(orgId, (m) => {
      const q = m.createQueryBuilder(ClusterEntity, 'c').where('c.org_id = :orgId AND c.deleted_at IS NULL', { orgId });
      if (groupIds) q.andWhere('c.group_id = ANY(:groupIds::uuid[])', { groupIds });
      if (page.after) q.andWhere('c.id > :after', { after: page.after });
      return q.orderBy('c.id', 'ASC').limit(page.limit + 1).getMany();
    });
  }

  /** Ids of every cluster (live or retired: history outlives them) in the given groups. */
  async idsInGroups(orgId: string, groupIds: string[]): Promise<string[]> {
    if (groupIds.length === 0) return [];
    const rows: { id: string }[] = await this.database.forOrg(orgId, (m) =>
      m.query(`SELECT id FROM clusters WHERE org_id = $1 AND group_id = ANY($2::uuid[])`, [orgId, groupIds]),
    );
    return rows.map((r) => r.id);
  }

  async insert(cluster: Pick<ClusterEntity, 'id' | 'orgId' | 'groupId' | 'name' | 'noMatch' | 'unhealthyAfterSeconds'>): Promise<ClusterEntity> {
    return this.database.forOrg(cluster.orgId, async (m) => {
      await m.insert(ClusterEntity, cluster);
      return m.findOneByOrFail(ClusterEntity, { orgId: cluster.orgId, id: cluster.id });
    });
  }

  /** Retires the cluster and revokes every credential and pending registration at once. */
  retire(orgId: string, id: string): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(`UPDATE clusters SET deleted_at = now() WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL`, [orgId, id]);
      await m.query(`UPDATE cluster_credentials SET revoked_at = now() WHERE org_id = $1 AND cluster_id = $2 AND revoked_at IS NULL`, [orgId, id]);
      await m.query(`UPDATE cluster_registration_tokens SET used_at = now() WHERE org_id = $1 AND cluster_id = $2 AND used_at IS NULL`, [orgId, id]);
      await m.query(`UPDATE agent_commands SET acked_at = now(), outcome = 'expired' WHERE org_id = $1 AND cluster_id = $2 AND acked_at IS NULL`, [orgId, id]);
    });
  }

  /**
   * Returns the health before the update, so callers can tell a recovery. A
   * beat without nodeCount (an agent replica that does not run the inventory)
   * keeps the last known count.
   */
  async recordHeartbeat(
    orgId: string,
    id: string,
    beat: { agentVersion: string; kubernetesVersion: string; nodeCount?: number },
  ): Promise<{ previousHealth: string } | null> {
    const { rows } = await this.database.forOrg(orgId, (m) =>
      queryRows<{ previous: string }>(
        m,
        `UPDATE clusters c SET last_heartbeat_at = now(), agent_version = $3, kubernetes_version = $4, node_count = COALESCE($5, c.node_count), health = 'healthy'
           FROM (SELECT health AS previous FROM clusters WHERE org_id = $1 AND id = $2 FOR UPDATE) p
          WHERE c.org_id = $1 AND c.id = $2 AND c.deleted_at IS NULL
          RETURNING p.previous`,
        [orgId, id, beat.agentVersion, beat.kubernetesVersion, beat.nodeCount ?? null],
      ),
    );
    return rows[0] ? { previousHealth: rows[0].previous } : null;
  }

  /** Marks clusters whose agent stopped calling in; returns those that changed. */
  async markSilentUnhealthy(orgId: string): Promise<ClusterEntity[]> {
    const { rows } = await this.database.forOrg(orgId, (m) =>
      queryRows<{ id: string }>(
        m,
        `UPDATE clusters SET health = 'unhealthy'
          WHERE org_id = $1 AND deleted_at IS NULL AND health = 'healthy'
            AND last_heartbeat_at < now() - make_interval(secs => unhealthy_after_seconds)
          RETURNING id`,
        [orgId],
      ),
    );
    if (rows.length === 0) return [];
    return this.database.forOrg(orgId, (m) =>
      m.createQueryBuilder(ClusterEntity, 'c').where('c.org_id = :orgId AND c.id = ANY(:ids::uuid[])', { orgId, ids: rows.map((r) => r.id) }).getMany(),
    );
  }

  async orgsWithClusters(): Promise<{ orgId: string; inventoryRetentionDays: number | null }[]> {
    const rows: { org_id: string; inventory_retention_days: number | null }[] = await this.database.platform((m) =>
      m.query('SELECT * FROM vigil_orgs_with_clusters()'),
    );
    return rows.map((r) => ({ orgId: r.org_id, inventoryRetentionDays: r.inventory_retention_days }));
  }
}
