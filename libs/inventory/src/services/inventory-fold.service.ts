import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { INVENTORY_FOLD_JOB_OPTIONS, INVENTORY_FOLD_WINDOW_MS, inventoryFoldJobId, type InventoryFoldJob, QUEUE_NAMES } from '@vigil/shared/queue';
import { InventoryFoldRepository } from '../repositories/inventory-fold.repository';

/** Due rows per fold transaction: bounded, so a retry redoes little and locks are short. */
const FOLD_CHUNK = 5000;
/** Rows older than this mean their job was lost (or keeps failing): the sweep re-adds it. */
export const FOLD_SWEEP_GRACE_SECONDS = 60;
/** Clusters the sweep re-adds per tick. */
const SWEEP_CLUSTERS = 500;

export interface FoldReport {
  /** Backlog rows folded (a pod listed by several batches counts once per batch). */
  rows: number;
  /** Fold transactions. */
  chunks: number;
}

/**
 * Keeps the exposure rollup off the agent's request path. Ingest calls
 * `enqueue` after its commit; the worker's `inventory.fold` job runs
 * `foldCluster`, and the `inventory.fold-sweep` tick runs `sweep`. Postgres
 * (inventory_folds_due) is the truth: a lost or failed job delays a fold,
 * never loses it.
 */
@Injectable()
export class InventoryFoldService {
  private readonly logger = new Logger('InventoryFoldService');

  constructor(
    private readonly folds: InventoryFoldRepository,
    @InjectQueue(QUEUE_NAMES.inventoryFold) private readonly jobs: Queue,
  ) {}

  /**
   * After an ingest commit. Batches of one cluster in one window share a job,
   * which runs when the window ends (so it sees all of them); a failed add
   * only delays the fold until the sweep.
   */
  async enqueue(orgId: string, clusterId: string, now = Date.now()): Promise<boolean> {
    const job: InventoryFoldJob = { orgId, clusterId };
    const windowStart = now - (now % INVENTORY_FOLD_WINDOW_MS);
    try {
      await this.jobs.add('inventory.fold', job, {
        ...INVENTORY_FOLD_JOB_OPTIONS,
        jobId: inventoryFoldJobId(job, windowStart),
        delay: windowStart + INVENTORY_FOLD_WINDOW_MS - now,
      });
      return true;
    } catch (error) {
      this.logger.warn({ err: error, orgId, clusterId }, 'could not queue the inventory fold; the sweep will');
      return false;
    }
  }

  /**
   * Folds the cluster's due rows, a chunk per transaction, until none is left:
   * rows that batches commit while it runs are folded by it too. A chunk that
   * fails rolls back (its rows stay due) and the job fails, to be retried.
   */
  async foldCluster(job: InventoryFoldJob): Promise<FoldReport> {
    const report: FoldReport = { rows: 0, chunks: 0 };
    for (;;) {
      const rows = await this.folds.foldDue(job.orgId, job.clusterId, FOLD_CHUNK);
      if (rows === 0) break;
      report.rows += rows;
      report.chunks += 1;
    }
    return report;
  }

  /** Rows of a cluster still waiting to be folded. */
  due(orgId: string, clusterId: string): Promise<number> {
    return this.folds.due(orgId, clusterId);
  }

  /** The safety net: clusters whose rows outlived the grace get a job again. */
  async sweep(graceSeconds = FOLD_SWEEP_GRACE_SECONDS): Promise<{ clusters: number; queued: number }> {
    const stale = await this.folds.stale(graceSeconds, SWEEP_CLUSTERS);
    let queued = 0;
    for (const s of stale) if (await this.enqueue(s.orgId, s.clusterId)) queued += 1;
    if (stale.length > 0) this.logger.warn({ clusters: stale.length, oldest: stale[0].dueAt }, 'inventory folds waited past their grace; jobs re-added');
    return { clusters: stale.length, queued };
  }
}
