import { Injectable } from '@nestjs/common';
import { Database, PageRequest, queryRows } from '@vigil/shared/database';
import { EventEntity } from '../entities';

export interface NewEvent {
  id: string;
  groupId: string;
  type: string;
  source: string;
  subject: string | null;
  time: Date;
  data: Record<string, unknown>;
}

/** A pending delivery the insert made, with its subscription (carried on the delivery job). */
export interface NewDelivery {
  id: string;
  subscriptionId: string;
}

@Injectable()
export class EventRepository {
  constructor(private readonly database: Database) {}

  /**
   * Writes the events and, in the same statement, one pending delivery per
   * (event, matching subscription): a subscription on the event's group or an
   * ancestor, type filter empty or naming it. Idempotent on the event ids: a
   * replayed transition writes nothing twice (neither event nor deliveries).
   * One round trip whatever the number of events; `seq` follows input order.
   */
  async insertManyWithDeliveries(orgId: string, events: readonly NewEvent[]): Promise<{ inserted: number; deliveries: NewDelivery[] }> {
    if (events.length === 0) return { inserted: 0, deliveries: [] };
    const { rows } = await this.database.forOrg(orgId, (m) =>
      queryRows<{ inserted: number; delivery_ids: string[]; subscription_ids: string[] }>(
        m,
        `WITH input AS (
           SELECT (j.doc->>'id')::uuid AS id, (j.doc->>'groupId')::uuid AS group_id, j.doc->>'type' AS type, j.doc->>'source' AS source,
                  j.doc->>'subject' AS subject, (j.doc->>'time')::timestamptz AS time, j.doc->'data' AS data, j.ord
             FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS j(doc, ord)
         ), inserted AS (
           INSERT INTO events (id, org_id, group_id, group_path, type, source, subject, time, data)
           SELECT i.id, $1, i.group_id, COALESCE(g.ancestor_ids, ARRAY[i.group_id]), i.type, i.source, i.subject, i.time, i.data
             FROM input i LEFT JOIN groups g ON g.org_id = $1 AND g.id = i.group_id
            ORDER BY i.ord
           ON CONFLICT (id) DO NOTHING
           RETURNING id, group_path, type
         ), delivered AS (
           INSERT INTO deliveries (id, org_id, subscription_id, event_id)
           SELECT gen_random_uuid(), s.org_id, s.id, e.id
             FROM inserted e
             JOIN subscriptions s ON s.org_id = $1 AND s.deleted_at IS NULL AND s.group_id = ANY(e.group_path)
                                 AND (cardinality(s.types) = 0 OR e.type = ANY(s.types))
           RETURNING id, subscription_id
         )
         SELECT (SELECT count(*) FROM inserted)::int AS inserted,
                ARRAY(SELECT id::text FROM delivered ORDER BY id) AS delivery_ids,
                ARRAY(SELECT subscription_id::text FROM delivered ORDER BY id) AS subscription_ids`,
        [orgId, JSON.stringify(events.map((e) => ({ id: e.id, groupId: e.groupId, type: e.type, source: e.source, subject: e.subject, time: e.time.toISOString(), data: e.data })))],
      ),
    );
    const { inserted, delivery_ids: deliveryIds, subscription_ids: subscriptionIds } = rows[0];
    return { inserted, deliveries: deliveryIds.map((id, i) => ({ id, subscriptionId: subscriptionIds[i] })) };
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
