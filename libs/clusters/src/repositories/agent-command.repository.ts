import { Injectable } from '@nestjs/common';
import { Database, queryRows } from '@vigil/shared/database';
import { AgentCommandEntity } from '../entities';

@Injectable()
export class AgentCommandRepository {
  constructor(private readonly database: Database) {}

  insert(command: Pick<AgentCommandEntity, 'id' | 'orgId' | 'clusterId' | 'type' | 'payloadSealed' | 'expiresAt'>): Promise<void> {
    return this.database.forOrg(command.orgId, async (m) => {
      await m.insert(AgentCommandEntity, command);
    });
  }

  /**
   * The cluster's oldest commands that are neither acknowledged, expired nor
   * claimed, claimed for `claimSeconds`: concurrent pollers of one cluster
   * (SKIP LOCKED) never get the same command, and one that is never
   * acknowledged is listed again once its claim runs out.
   */
  claimPending(orgId: string, clusterId: string, limit: number, claimSeconds: number): Promise<AgentCommandEntity[]> {
    return this.database.forOrg(orgId, async (m) => {
      const { rows: claimed } = await queryRows<{ id: string }>(
        m,
        `UPDATE agent_commands c SET claimed_until = now() + make_interval(secs => $4), claims = c.claims + 1
          WHERE c.org_id = $1 AND c.id IN (
                SELECT id FROM agent_commands
                 WHERE org_id = $1 AND cluster_id = $2 AND acked_at IS NULL AND expires_at > now()
                   AND (claimed_until IS NULL OR claimed_until <= now())
                 ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)
          RETURNING c.id`,
        [orgId, clusterId, limit, claimSeconds],
      );
      if (claimed.length === 0) return [];
      return m
        .createQueryBuilder(AgentCommandEntity, 'c')
        .addSelect('c.payloadSealed')
        .where('c.org_id = :orgId AND c.id IN (:...ids)', { orgId, ids: claimed.map((r) => r.id) })
        .orderBy('c.created_at', 'ASC')
        .getMany();
    });
  }

  /** Commands an agent would be given now (not acknowledged, expired or claimed). */
  countPending(orgId: string, clusterId: string): Promise<number> {
    return this.database.forOrg(orgId, (m) =>
      m
        .createQueryBuilder(AgentCommandEntity, 'c')
        .where('c.org_id = :orgId AND c.cluster_id = :clusterId AND c.acked_at IS NULL AND c.expires_at > now()', { orgId, clusterId })
        .andWhere('(c.claimed_until IS NULL OR c.claimed_until <= now())')
        .getCount(),
    );
  }

  findById(orgId: string, clusterId: string, id: string): Promise<AgentCommandEntity | null> {
    return this.database.forOrg(orgId, (m) => m.findOneBy(AgentCommandEntity, { orgId, clusterId, id }));
  }

  async payload(orgId: string, id: string): Promise<Buffer | null> {
    const rows: { payload_sealed: Buffer }[] = await this.database.forOrg(orgId, (m) =>
      m.query(`SELECT payload_sealed FROM agent_commands WHERE org_id = $1 AND id = $2`, [orgId, id]),
    );
    return rows[0]?.payload_sealed ?? null;
  }

  /** The first acknowledgement wins; repeats return what was stored. */
  async ack(orgId: string, clusterId: string, id: string, outcome: string, message: string | null): Promise<AgentCommandEntity | null> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(
        `UPDATE agent_commands SET acked_at = now(), outcome = $4, message = $5
          WHERE org_id = $1 AND cluster_id = $2 AND id = $3 AND acked_at IS NULL`,
        [orgId, clusterId, id, outcome, message],
      );
      return m.findOneBy(AgentCommandEntity, { orgId, clusterId, id });
    });
  }
}
