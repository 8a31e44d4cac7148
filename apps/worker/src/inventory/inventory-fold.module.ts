import { InjectQueue } from '@nestjs/bullmq';
import { Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { InventoryFoldModule } from '@vigil/inventory';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { InventoryFoldProcessor } from './inventory-fold.processor';

/** How often folds whose job was lost are looked for (each re-added once its rows waited past the grace). */
export const INVENTORY_FOLD_SWEEP_EVERY_MS = 30_000;

class InventoryFoldSweepScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUE_NAMES.inventoryFold) private readonly queue: Queue) {}

  /** Idempotent across replicas (fixed scheduler id); re-created by any worker that starts, e.g. after a Redis flush. */
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      'inventory.fold-sweep',
      { every: INVENTORY_FOLD_SWEEP_EVERY_MS },
      { name: 'inventory.fold-sweep', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
    );
  }
}

/** The exposure rollup's fold, off the ingest path; the service and its queue come from InventoryFoldModule. */
@Module({
  imports: [InventoryFoldModule],
  providers: [InventoryFoldProcessor, InventoryFoldSweepScheduler],
})
export class InventoryFoldWorkersModule {}
