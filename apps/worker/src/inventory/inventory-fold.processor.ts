import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { type FoldReport, InventoryFoldService } from '@vigil/inventory';
import { type InventoryFoldJob, QUEUE_NAMES } from '@vigil/shared/queue';

/**
 * `inventory.fold`: folds one cluster's due inventory rows into the exposure
 * rollup until none is left (a failure is thrown: the rows stay, BullMQ
 * retries). `inventory.fold-sweep`: re-adds the job for clusters whose rows
 * waited past the grace. Folds of one cluster serialise in Postgres, so
 * several at once only help across clusters.
 */
@Processor(QUEUE_NAMES.inventoryFold, { concurrency: 2 })
export class InventoryFoldProcessor extends WorkerHost {
  constructor(private readonly folds: InventoryFoldService) {
    super();
  }

  process(job: Job<InventoryFoldJob | Record<string, never>>): Promise<FoldReport | { clusters: number; queued: number }> {
    if (job.name === 'inventory.fold-sweep') return this.folds.sweep();
    return this.folds.foldCluster(job.data as InventoryFoldJob);
  }
}
