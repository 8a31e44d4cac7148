import { Injectable } from '@nestjs/common';
import { Database, PageRequest, queryRows } from '@vigil/shared/database';
import { EventEntity } from '../entities';

export interface NewEvent {
  id: string;
  orgId: string;
  groupId: string;
  type: string;
  source: string;
  subject: string | null;
  time: Date;
  data: Record<string, unknown>;
}

@Injectable()
export class EventRepository {
  constructor(private readonly database: Database) {}

  /**
   * Writes the event and, in the same statement's transaction, one pending
   * delivery per matching subscription (on the event's group or an ancestor,
   * type filter empty or naming it). Idempotent on the event id: a replayed
   * transition writes nothing twice. Returns the new delivery ids.
   */
  insertWithDeliveries(event: NewEvent): Promise<{ inserted: boolean; deliveryIds: string[] }> {
    return this.database.forOrg(event.orgId, async (m) => {
      const inserted = await queryRows(
        m,
        `INSERT INTO events (id, org_id, group_id, group_path, type, source, subject, time, data)
         SELECT $1, $2, $3, COALESCE((SELECT ancestor_ids FROM groups WHERE org_id = $2 AND id = $3), ARRAY[$3::uuid]), $4, $5, $6, $7, $8
         ON CONFLICT (id) DO NOTHING RETURNING id`,
        [event.id, event.orgId, event.groupId, event.type, event.source, event.subject, event.time, event.data],
      );
      if (inserted.rows.length === 0) return { inserted: false, deliveryIds: [] };
      const deliveries = await queryRows<{ id: string }>(
        m,
        `INSERT INTO deliveries (id, org_id, subscription_id, event_id)
         SELECT gen_random_uuid(), s.org_id, s.id, $2
           FROM subscriptions s
           JOIN groups g ON g.org_id = $1 AND g.id = $3
          WHERE s.org_id = $1 AND s.deleted_at IS NULL AND s.group_id = ANY(g.ancestor_ids)
            AND (cardinality(s.types) = 0 OR $4 = ANY(s.types))
         RETURNING id`,
        [event.orgId, event.id, event.groupId, event.type],
      );
      return { inserted: true, deliveryIds: deliveries.rows.map((r) => r.id) };
    });
  }

  /** `roots`: groups the caller holds a role on (null: all); an event is visible below any of them. */
  list(orgId: string, filter: { roots: string[] | null; type?: string }, page: PageRequest): Promise<EventEntity[]> {
    return this.database.forOrg(orgId, (m) => {
      const q = m.createQueryBuilder(EventEntity, 'e').where('e.org_id = :orgId', { orgId });
      if (filter.roots) q.andWhere('e.group_path && :roots::uuid[]', { roots: filter.roots });
      if (filter.type) q.andWhere('e.type = :type', { type: filter.type });
      if (page.after) q.andWhere('e.seq > :after', { after: page.after });
      return q.orderBy('e.seq', 'ASC').limit(page.limit + 1).getMany();
    });
  }
}
