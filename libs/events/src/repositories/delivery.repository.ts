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
   * Everything one attempt needs, in one round trip: the delivery, its
   * subscription (with the sealed secret) and its event.
   */
  async loadForAttempt(orgId: string, id: string): Promise<AttemptContext | null> {
    const rows: Record<string, any>[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT d.id, d.subscription_id, d.event_id, d.state, d.attempts, d.next_attempt_at, d.last_status_code, d.last_error,
                d.created_at, d.completed_at,
                s.sink, s.mode, s.secret_sealed, s.deleted_at AS subscription_deleted_at, s.failing_since, s.next_probe_at,
                e.id AS e_id, e.type AS e_type, e.source AS e_source, e.subject AS e_subject, e.time AS e_time, e.data AS e_data
           FROM deliveries d
           JOIN subscriptions s ON s.org_id = d.org_id AND s.id = d.subscription_id
           LEFT JOIN events e ON e.org_id = d.org_id AND e.id = d.event_id
          WHERE d.org_id = $1 AND d.id = $2`,
        [orgId, id],
      ),
    );
    const r = rows[0];
    if (!r) return null;
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

  findById(orgId: string, id: string): Promise<DeliveryEntity | null> {
    return this.database.forOrg(orgId, (m) => m.findOneBy(DeliveryEntity, { orgId, id }));
  }

  /**
   * Records attempt number `delivery.attempts + 1`; a second worker that raced
   * on the same attempt finds the counter moved and records nothing.
   */
  recordAttempt(orgId: string, delivery: DeliveryEntity, attempt: AttemptRecord, next: { state: 'pending' | 'succeeded' | 'dead'; nextAttemptAt: Date }): Promise<boolean> {
    return this.database.forOrg(orgId, async (m) => {
      const { affected } = await queryRows(
        m,
        `UPDATE deliveries SET attempts = attempts + 1, state = $3, next_attempt_at = $4, last_status_code = $5, last_error = $6,
                completed_at = CASE WHEN $3 = 'pending' THEN NULL ELSE now() END
          WHERE org_id = $1 AND id = $2 AND attempts = $7 AND state = 'pending'`,
        [orgId, delivery.id, next.state, next.nextAttemptAt, attempt.statusCode, attempt.error, delivery.attempts],
      );
      if (affected === 1) await m.insert(DeliveryAttemptEntity, { orgId, deliveryId: delivery.id, ...attempt });
      return affected === 1;
    });
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
