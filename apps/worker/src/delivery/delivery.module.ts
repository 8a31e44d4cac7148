import { InjectQueue } from '@nestjs/bullmq';
import { Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { EventDeliveryModule } from '@vigil/events';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { DeliveryProcessor, DeliverySweepProcessor } from './delivery.processor';

export const DELIVERY_SWEEP_EVERY_MS = 5000;

class DeliverySweepScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUE_NAMES.deliverySweep) private readonly queue: Queue) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler('delivery.sweep', { every: DELIVERY_SWEEP_EVERY_MS }, { name: 'delivery.sweep', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }
}

@Module({ imports: [EventDeliveryModule], providers: [DeliveryProcessor, DeliverySweepProcessor, DeliverySweepScheduler] })
export class DeliveryModule {}
