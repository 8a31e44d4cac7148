import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { InventoryBatch, PodDelta } from '@vigil/agent-protocol';
import type { AgentMetrics } from '../health/agent-metrics';
import type { PlatformClient } from '../platform-client/platform-client';
import { PlatformError } from '../platform-client/platform-errors';
import { InventoryQueue, snapshotParts } from './inventory-queue';

export interface SenderOptions {
  agentId: string;
  /**
   * First sequence number: a sender of a later leader term continues where
   * the last term's numbering ended, so one agentId never reuses a number
   * (a reused number would be dropped by the platform as a duplicate).
   */
  firstSequence?: number;
  /**
   * Leader term (the Lease's leaseTransitions as acquired) sent in every batch
   * as a fencing token; undefined with leader election off (no term is sent).
   */
  term?: number;
  flushMs: number;
  timeoutMs: number;
  /** Live pods as last seen, for snapshots. */
  currentPods: () => PodDelta[];
  onHealth: (ok: boolean, detail?: string) => void;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Sends the queue in order. A batch gets its sequence number when it is formed
 * and keeps it across retries, so the platform applies a retried batch once.
 * A batch the platform refuses as malformed is dropped (retrying cannot fix it)
 * and a snapshot reconciles whatever it carried. A 409 to a batch with a term
 * means a newer leader has sent inventory: this replica is deposed, so the
 * sender stops for good and drops its queue (retrying cannot succeed, and its
 * view must not overwrite the new leader's).
 */
export class InventorySender {
  private nextSequence: number;
  private readonly numbered: InventoryBatch[] = [];
  private failures = 0;
  private halted = false;
  /** Why the sender stopped for good: the platform refused its leader term. */
  private supersededBy?: string;

  constructor(
    private readonly queue: InventoryQueue,
    private readonly platform: PlatformClient,
    private readonly metrics: AgentMetrics,
    private readonly log: Logger,
    private readonly o: SenderOptions,
  ) {
    this.nextSequence = o.firstSequence ?? 1;
  }

  /** The number the next batch would get: where a later term's sender starts. */
  get nextSequenceNumber(): number {
    return this.nextSequence;
  }

  /** Stops after the batch in flight (leadership lost): nothing more is sent. */
  halt(): void {
    this.halted = true;
  }

  /** True once the platform refused this sender's term as superseded. */
  get superseded(): boolean {
    return this.supersededBy !== undefined;
  }

  /** One loop iteration (PeriodicTask tick): returns how long to wait before the next. */
  async tick(): Promise<number> {
    for (;;) {
      if (this.halted) {
        if (this.supersededBy) this.o.onHealth(false, this.supersededBy);
        return this.o.flushMs;
      }
      this.metrics.inventoryBuffered.set(this.queue.size);
      if (this.numbered.length === 0 && !this.formNext()) {
        this.o.onHealth(true);
        return this.o.flushMs;
      }
      const batch = this.numbered[0]!;
      try {
        const res = await this.platform.call('inventory', batch, { timeoutMs: this.o.timeoutMs });
        this.numbered.shift();
        this.failures = 0;
        this.metrics.inventoryBatches.inc({ kind: batch.kind });
        if (res.snapshotRequested) {
          this.log.info({ sequence: batch.sequence, expected: res.expectedSequence }, 'platform asked for a snapshot');
          this.queue.requestSnapshot();
        }
      } catch (error) {
        if (error instanceof PlatformError && error.status === 409 && this.o.term !== undefined) {
          const dropped = this.numbered.length + this.queue.size;
          this.supersededBy = `inventory stopped: the platform refused leader term ${this.o.term} (${error.detail ?? 'superseded'}); this replica no longer leads`;
          this.log.error({ sequence: batch.sequence, term: this.o.term, detail: error.detail, dropped }, 'inventory batch of a superseded leader term refused; stopping the sender and dropping its queue');
          this.metrics.inventorySuperseded.inc();
          this.halted = true;
          this.numbered.length = 0;
          this.queue.clear();
          this.metrics.inventoryBuffered.set(0);
          continue;
        }
        if (error instanceof PlatformError && (error.status === 400 || error.status === 413 || error.status === 422)) {
          this.log.error({ sequence: batch.sequence, kind: batch.kind, status: error.status }, 'platform refused an inventory batch; dropping it');
          this.numbered.shift();
          // A refused snapshot part makes the rest meaningless; a refused delta is covered by a snapshot.
          if (batch.kind === 'snapshot') this.numbered.length = 0;
          else this.queue.requestSnapshot();
          continue;
        }
        this.failures += 1;
        this.o.onHealth(false, `inventory not delivered (${this.failures}x): ${(error as Error).message}; ${this.queue.size} deltas buffered`);
        return Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 7));
      }
    }
  }

  private formNext(): boolean {
    const unit = this.queue.take();
    if (!unit) return false;
    const sentAt = new Date().toISOString();
    if (unit.kind === 'delta') {
      this.numbered.push({ agentId: this.o.agentId, sequence: this.nextSequence++, kind: 'delta', sentAt, ...this.fence(), pods: unit.pods });
      return true;
    }
    const id = `snap-${randomUUID()}`;
    const parts = snapshotParts(this.o.currentPods());
    parts.forEach((pods, part) =>
      this.numbered.push({ agentId: this.o.agentId, sequence: this.nextSequence++, kind: 'snapshot', snapshot: { id, part, last: part === parts.length - 1 }, sentAt, ...this.fence(), pods }),
    );
    return true;
  }

  /** The term field, only when there is a term (an agent without election sends batches as before). */
  private fence(): { term?: number } {
    return this.o.term === undefined ? {} : { term: this.o.term };
  }
}
