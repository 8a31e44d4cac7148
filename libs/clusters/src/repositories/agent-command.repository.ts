import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';
import { AgentCommandEntity } from '../entities';

@Injectable()
export class AgentCommandRepository {
  constructor(private readonly database: Database) {}

  insert(command: Pick<AgentCommandEntity, 'id' | 'orgId' | 'clusterId' | 'type' | 'payloadSealed' | 'expiresAt'>): Promise<void> {
    return this.database.forOrg(command.orgId, async (m) => {
      await m.insert(AgentCommandEntity, command);
    });
  }

  pending(orgId: string, clusterId: string, limit: number): Promise<AgentCommandEntity[]> {
    return this.database.forOrg(orgId, (m) =>
      m
        .createQueryBuilder(AgentCommandEntity, 'c')
        .addSelect('c.payloadSealed')
        .where('c.org_id = :orgId AND c.cluster_id = :clusterId AND c.acked_at IS NULL AND c.expires_at > now()', { orgId, clusterId })
        .orderBy('c.created_at', 'ASC')
        .limit(limit)
        .getMany(),
    );
  }

  countPending(orgId: string, clusterId: string): Promise<number> {
    return this.database.forOrg(orgId, (m) =>
      m
        .createQueryBuilder(AgentCommandEntity, 'c')
        .where('c.org_id = :orgId AND c.cluster_id = :clusterId AND c.acked_at IS NULL AND c.expires_at > now()', { orgId, clusterId })
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
