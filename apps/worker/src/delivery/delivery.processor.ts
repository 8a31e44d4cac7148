import { Processor, WorkerHost } from '@nestjs/bullmq';
import { DelayedError, type Job } from 'bullmq';
import { DELIVERY_CONCURRENCY, DeliveryOutcome, DeliveryService } from '@vigil/events';
import { DeliverJob, QUEUE_NAMES } from '@vigil/shared/queue';

/**
 * Sends CloudEvents to subscribers. Many at once, each bounded by the delivery
 * timeout, so one slow sink holds a slot, never the queue; many at once also
 * share their database round trips (DeliveryService batches them per org).
 */
@Processor(QUEUE_NAMES.deliver, { concurrency: DELIVERY_CONCURRENCY })
export class DeliveryProcessor extends WorkerHost {
  constructor(private readonly deliveries: DeliveryService) {
    super();
  }

  async process(job: Job<DeliverJob>, token?: string): Promise<DeliveryOutcome> {
    const outcome = await this.deliveries.attempt(job.data);
    if (outcome !== 'deferred') return outcome;
    // Back to the delayed set under the same id, not counted as a BullMQ attempt (nor as a delivery attempt).
    await job.moveToDelayed(Date.now() + this.deliveries.deferralMs(), token);
    throw new DelayedError();
  }
}

/** Re-enqueues due deliveries: after a Redis loss, a crash, or a postponement. */
@Processor(QUEUE_NAMES.deliverySweep, { concurrency: 1 })
export class DeliverySweepProcessor extends WorkerHost {
  constructor(private readonly deliveries: DeliveryService) {
    super();
  }

  process(): Promise<number> {
    return this.deliveries.sweep();
  }
}
