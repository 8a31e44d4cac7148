import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { Database } from '@vigil/shared/database';
import { DELIVER_JOB_OPTIONS, DeliverJob, deliverJobId, QUEUE_NAMES } from '@vigil/shared/queue';
import { EventRepository } from '../repositories';

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

/**
 * The outbox: `publish` writes the event and its deliveries in the caller's
 * transaction, and enqueues the deliveries once that transaction commits.
 * If the enqueue is lost, the delivery sweep finds the pending rows.
 */
@Injectable()
export class EventPublisher {
  constructor(
    private readonly database: Database,
    private readonly events: EventRepository,
    @InjectQueue(QUEUE_NAMES.deliver) private readonly deliverQueue: Queue<DeliverJob>,
  ) {}

  async publish(orgId: string, event: PublishEvent): Promise<{ id: string; deliveries: number }> {
    const id = event.id ?? randomUUID();
    const result = await this.events.insertWithDeliveries({
      id,
      orgId,
      groupId: event.groupId,
      type: event.type,
      source: event.source,
      subject: event.subject ?? null,
      time: event.time ?? new Date(),
      data: event.data,
    });
    if (result.deliveryIds.length > 0) {
      await this.database.afterCommit(() =>
        this.deliverQueue.addBulk(
          result.deliveryIds.map((deliveryId) => {
            const job = { orgId, deliveryId, attempt: 0 };
            return { name: 'deliver', data: job, opts: { ...DELIVER_JOB_OPTIONS, jobId: deliverJobId(job) } };
          }),
        ),
      );
    }
    return { id, deliveries: result.deliveryIds.length };
  }
}
