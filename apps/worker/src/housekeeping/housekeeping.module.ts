import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { AgentCredentialRepository, ClusterLifecycleEvents, ClusterRepository } from '@vigil/clusters';
import { InventoryQueryRepository } from '@vigil/inventory';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { HousekeepingProcessor } from './housekeeping.processor';
import { HousekeepingService } from './housekeeping.service';

const TICK_EVERY_MS = 60_000;

class HousekeepingScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUE_NAMES.housekeeping) private readonly queue: Queue) {}

  /** Idempotent across replicas: the scheduler id is fixed, so the schedule exists once. */
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler('housekeeping.tick', { every: TICK_EVERY_MS }, { name: 'housekeeping.tick', data: {} });
  }
}

@Module({
  imports: [BullModule.registerQueue({ name: QUEUE_NAMES.housekeeping })],
  providers: [HousekeepingProcessor, HousekeepingScheduler, HousekeepingService, ClusterLifecycleEvents, ClusterRepository, AgentCredentialRepository, InventoryQueryRepository],
})
export class HousekeepingModule {}
