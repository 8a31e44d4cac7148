import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Database } from '@vigil/shared/database';
import { DELIVER_JOB_OPTIONS, DeliverJob, deliverJobId, QUEUE_NAMES } from '@vigil/shared/queue';
import { EventRepository, type NewDelivery } from '../repositories';

export interface PublishEvent {
  /** Stable id for a transition (so a retried transaction cannot emit it twice); random when omitted. */
  id?: string;
  type: string;
  groupId: string;
  source: string;
  subject?: string | null;
  time?: Date;
  data: Record<string, unknown>;
}

/** addBulk chunk: one Redis round trip each, small enough not to stall Redis for others. */
const ENQUEUE_CHUNK = 500;

/**
 * The outbox: `publish`/`publishMany` write the events and their deliveries
 * in the caller's transaction (one statement however many events), and
 * enqueue the deliveries in bulk once that transaction commits. If the
 * enqueue is lost, the delivery sweep finds the pending rows.
 */
@Injectable()
export class EventPublisher {
  constructor(
    private readonly database: Database,
    private readonly events: EventRepository,
    @InjectQueue(QUEUE_NAMES.deliver) private readonly deliverQueue: Queue<DeliverJob>,
  ) {}

  async publish(orgId: string, event: PublishEvent): Promise<{ id: string; deliveries: number }> {
    const { ids, deliveries } = await this.publishMany(orgId, [event]);
    return { id: ids[0], deliveries };
  }

  /**
   * Many events of one org at once (e.g. every transition of a verify job).
   * Events whose id already exists are skipped with their deliveries, so a
   * retried transaction emits nothing twice. Returns the ids in input order.
   */
  async publishMany(orgId: string, events: readonly PublishEvent[]): Promise<{ ids: string[]; deliveries: number }> {
    const rows = events.map((event) => ({
      id: event.id ?? randomUUID(),
      groupId: event.groupId,
      type: event.type,
      source: event.source,
      subject: event.subject ?? null,
      time: event.time ?? new Date(),
      data: event.data,
    }));
    const { deliveries } = await this.events.insertManyWithDeliveries(orgId, rows);
    if (deliveries.length > 0) await this.database.afterCommit(() => this.enqueue(orgId, deliveries));
    return { ids: rows.map((r) => r.id), deliveries: deliveries.length };
  }

  private async enqueue(orgId: string, deliveries: readonly NewDelivery[]): Promise<void> {
    for (let i = 0; i < deliveries.length; i += ENQUEUE_CHUNK) {
      await this.deliverQueue.addBulk(
        deliveries.slice(i, i + ENQUEUE_CHUNK).map(({ id: deliveryId, subscriptionId }) => {
          const job = { orgId, deliveryId, attempt: 0, subscriptionId };
          return { name: 'deliver', data: job, opts: { ...DELIVER_JOB_OPTIONS, jobId: deliverJobId(job) } };
        }),
      );
    }
  }
}
