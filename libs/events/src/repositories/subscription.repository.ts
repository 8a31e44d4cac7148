import { Injectable } from '@nestjs/common';
import { Database, PageRequest } from '@vigil/shared/database';
import { SubscriptionEntity } from '../entities';

@Injectable()
export class SubscriptionRepository {
  constructor(private readonly database: Database) {}

  async insert(s: Pick<SubscriptionEntity, 'id' | 'orgId' | 'groupId' | 'sink' | 'types' | 'mode' | 'secretSealed'>): Promise<SubscriptionEntity> {
    return this.database.forOrg(s.orgId, async (m) => {
      await m.insert(SubscriptionEntity, s);
      return m.findOneByOrFail(SubscriptionEntity, { orgId: s.orgId, id: s.id });
    });
  }

  findLive(orgId: string, id: string): Promise<SubscriptionEntity | null> {
    return this.database.forOrg(orgId, (m) =>
      m.createQueryBuilder(SubscriptionEntity, 's').where('s.org_id = :orgId AND s.id = :id AND s.deleted_at IS NULL', { orgId, id }).getOne(),
    );
  }

  /** With the sealed secret: only the delivery path needs it. */
  findWithSecret(orgId: string, id: string): Promise<SubscriptionEntity | null> {
    return this.database.forOrg(orgId, (m) =>
      m.createQueryBuilder(SubscriptionEntity, 's').addSelect('s.secretSealed').where('s.org_id = :orgId AND s.id = :id', { orgId, id }).getOne(),
    );
  }

  list(orgId: string, groupIds: string[] | null, page: PageRequest): Promise<SubscriptionEntity[]> {
    return this.database.forOrg(orgId, (m) => {
      const q = m.createQueryBuilder(SubscriptionEntity, 's').where('s.org_id = :orgId AND s.deleted_at IS NULL', { orgId });
      if (groupIds) q.andWhere('s.group_id = ANY(:groupIds::uuid[])', { groupIds });
      if (page.after) q.andWhere('s.id > :after', { after: page.after });
      return q.orderBy('s.id', 'ASC').limit(page.limit + 1).getMany();
    });
  }

  /** Deleting stops new deliveries and parks pending ones; the log stays. */
  retire(orgId: string, id: string): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(`UPDATE subscriptions SET deleted_at = now() WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL`, [orgId, id]);
      await m.query(
        `UPDATE deliveries SET state = 'dead', last_error = 'subscription deleted', completed_at = now()
          WHERE org_id = $1 AND subscription_id = $2 AND state = 'pending'`,
        [orgId, id],
      );
    });
  }

  recordSinkFailure(orgId: string, id: string, nextProbeAt: Date): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(
        `UPDATE subscriptions SET failing_since = COALESCE(failing_since, now()), next_probe_at = $3 WHERE org_id = $1 AND id = $2`,
        [orgId, id, nextProbeAt],
      );
    });
  }

  recordSinkSuccess(orgId: string, id: string): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(
        `UPDATE subscriptions SET failing_since = NULL, next_probe_at = NULL WHERE org_id = $1 AND id = $2 AND failing_since IS NOT NULL`,
        [orgId, id],
      );
    });
  }
}
