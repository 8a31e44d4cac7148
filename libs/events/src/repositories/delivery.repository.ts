import { Injectable } from '@nestjs/common';
import { Database, PageRequest, queryRows } from '@vigil/shared/database';
import { DeliveryAttemptEntity, DeliveryEntity } from '../entities';

export interface AttemptContext {
  delivery: DeliveryEntity;
  subscription: { sink: string; mode: 'binary' | 'structured'; secretSealed: Buffer; deleted: boolean; failingSince: Date | null; nextProbeAt: Date | null };
  event: { id: string; type: string; source: string; subject: string | null; time: Date; data: Record<string, unknown> } | null;
}

export interface AttemptRecord {
  statusCode: number | null;
  latencyMs: number;
  outcome: 'succeeded' | 'failed';
  error: string | null;
}

export interface AttemptEntry {
  delivery: DeliveryEntity;
  attempt: AttemptRecord;
  next: { state: 'pending' | 'succeeded' | 'dead'; nextAttemptAt: Date };
}

@Injectable()
export class DeliveryRepository {
  constructor(private readonly database: Database) {}

  /** Cross-org: which deliveries are due (ids only), for the sweep to enqueue. */
  async due(limit: number): Promise<{ orgId: string; deliveryId: string; attempts: number }[]> {
    const rows: { org_id: string; delivery_id: string; attempts: number }[] = await this.database.platform((m) =>
      m.query('SELECT * FROM vigil_due_deliveries($1)', [limit]),
    );
    return rows.map((r) => ({ orgId: r.org_id, deliveryId: r.delivery_id, attempts: r.attempts }));
  }

  /**
   * Everything the attempts of these deliveries need, in one round trip: each
   * delivery, its subscription (with the sealed secret) and its event.
   * Deliveries that do not exist are absent from the map.
   */
  async loadForAttempts(orgId: string, ids: readonly string[]): Promise<Map<string, AttemptContext>> {
    const rows: Record<string, any>[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT d.id, d.subscription_id, d.event_id, d.state, d.attempts, d.next_attempt_at, d.last_status_code, d.last_error,
                d.created_at, d.completed_at,
                s.sink, s.mode, s.secret_sealed, s.deleted_at AS subscription_deleted_at, s.failing_since, s.next_probe_at,
                e.id AS e_id, e.type AS e_type, e.source AS e_source, e.subject AS e_subject, e.time AS e_time, e.data AS e_data
           FROM deliveries d
           JOIN subscriptions s ON s.org_id = d.org_id AND s.id = d.subscription_id
           LEFT JOIN events e ON e.org_id = d.org_id AND e.id = d.event_id
          WHERE d.org_id = $1 AND d.id = ANY($2::uuid[])`,
        [orgId, ids],
      ),
    );
    return new Map(rows.map((r) => [r.id as string, toAttemptContext(orgId, r)]));
  }

  findById(orgId: string, id: string): Promise<DeliveryEntity | null> {
    return this.database.forOrg(orgId, (m) => m.findOneBy(DeliveryEntity, { orgId, id }));
  }

  /**
   * Records attempt number `delivery.attempts + 1` of each delivery, all in
   * one statement: a worker that raced on the same attempt finds the counter
   * moved and records nothing. Answers, per entry, whether it was recorded.
   */
  async recordAttempts(orgId: string, entries: readonly AttemptEntry[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    // One row may be updated once per statement: a second entry for the same attempt loses, as it would have lost the race.
    const first = new Map<string, AttemptEntry>();
    for (const e of entries) if (!first.has(e.delivery.id)) first.set(e.delivery.id, e);
    const { rows } = await this.database.forOrg(orgId, (m) =>
      queryRows<{ id: string }>(
        m,
        `WITH input AS (
           SELECT * FROM jsonb_to_recordset($2::jsonb)
             AS r(id uuid, expected int, state text, next_attempt_at timestamptz, status_code int, latency_ms int, outcome text, error text)
         ), updated AS (
           UPDATE deliveries d
              SET attempts = d.attempts + 1, state = r.state, next_attempt_at = r.next_attempt_at, last_status_code = r.status_code,
                  last_error = r.error, completed_at = CASE WHEN r.state = 'pending' THEN NULL ELSE now() END
             FROM input r
            WHERE d.org_id = $1 AND d.id = r.id AND d.attempts = r.expected AND d.state = 'pending'
           RETURNING d.id
         ), logged AS (
           INSERT INTO delivery_attempts (org_id, delivery_id, status_code, latency_ms, outcome, error)
           SELECT $1, r.id, r.status_code, r.latency_ms, r.outcome, r.error FROM input r JOIN updated u ON u.id = r.id
         )
         SELECT id::text AS id FROM updated`,
        [
          orgId,
          JSON.stringify(
            [...first.values()].map((e) => ({
              id: e.delivery.id,
              expected: e.delivery.attempts,
              state: e.next.state,
              next_attempt_at: e.next.nextAttemptAt.toISOString(),
              status_code: e.attempt.statusCode,
              latency_ms: e.attempt.latencyMs,
              outcome: e.attempt.outcome,
              error: e.attempt.error,
            })),
          ),
        ],
      ),
    );
    const recorded = new Set(rows.map((r) => r.id));
    return entries.map((e) => first.get(e.delivery.id) === e && recorded.has(e.delivery.id));
  }

  postpone(orgId: string, id: string, until: Date): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(`UPDATE deliveries SET next_attempt_at = $3 WHERE org_id = $1 AND id = $2 AND state = 'pending'`, [orgId, id, until]);
    });
  }

  markDead(orgId: string, id: string, reason: string): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(
        `UPDATE deliveries SET state = 'dead', last_error = $3, completed_at = now() WHERE org_id = $1 AND id = $2 AND state = 'pending'`,
        [orgId, id, reason],
      );
    });
  }

  /** Redelivery starts a fresh retry window; earlier attempts stay in the log. */
  requeue(orgId: string, id: string): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(
        `UPDATE deliveries SET state = 'pending', next_attempt_at = now(), created_at = now(), completed_at = NULL WHERE org_id = $1 AND id = $2`,
        [orgId, id],
      );
    });
  }

  listForSubscription(orgId: string, subscriptionId: string, page: PageRequest): Promise<DeliveryEntity[]> {
    return this.database.forOrg(orgId, (m) => {
      const q = m.createQueryBuilder(DeliveryEntity, 'd').where('d.org_id = :orgId AND d.subscription_id = :subscriptionId', { orgId, subscriptionId });
      if (page.after) q.andWhere('d.id > :after', { after: page.after });
      return q.orderBy('d.id', 'ASC').limit(page.limit + 1).getMany();
    });
  }

  attemptsFor(orgId: string, deliveryIds: string[]): Promise<DeliveryAttemptEntity[]> {
    if (deliveryIds.length === 0) return Promise.resolve([]);
    return this.database.forOrg(orgId, (m) =>
      m.createQueryBuilder(DeliveryAttemptEntity, 'a').where('a.org_id = :orgId AND a.delivery_id = ANY(:ids::uuid[])', { orgId, ids: deliveryIds }).orderBy('a.id', 'ASC').getMany(),
    );
  }
}

function toAttemptContext(orgId: string, r: Record<string, any>): AttemptContext {
  const delivery = Object.assign(new DeliveryEntity(), {
    id: r.id,
    orgId,
    subscriptionId: r.subscription_id,
    eventId: r.event_id,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    createdAt: r.created_at,
    completedAt: r.completed_at,
  });
  return {
    delivery,
    subscription: {
      sink: r.sink,
      mode: r.mode,
      secretSealed: r.secret_sealed,
      deleted: r.subscription_deleted_at !== null,
      failingSince: r.failing_since,
      nextProbeAt: r.next_probe_at,
    },
    event: r.e_id ? { id: r.e_id, type: r.e_type, source: r.e_source, subject: r.e_subject, time: r.e_time, data: r.e_data } : null,
  };
}
