import { ConflictException, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { inventoryTermSupersededMessage, type InventoryBatch, type InventoryResponse } from '@vigil/agent-protocol';
import { Database } from '@vigil/shared/database';
import { InventoryIngestRepository } from '../repositories/inventory-ingest.repository';
import { foldBatch } from './batch-folding';
import { InventoryFoldService } from './inventory-fold.service';
import { INVENTORY_CHANGE_LISTENER, type InventoryChangeListener } from './inventory-change.listener';

export interface AgentIdentity {
  orgId: string;
  clusterId: string;
}

/**
 * Applies an agent's inventory batch exactly once, in one transaction: a 2xx
 * means it is committed. Sequence numbers make retries idempotent; a gap is
 * applied (deltas are upserts) and answered with a snapshot request.
 *
 * Leader terms fence replicas: a batch whose `term` is lower than the highest
 * the cluster has sent comes from a deposed leader (its last batch, late) and
 * is refused with 409 before anything is written; it would otherwise overwrite
 * the new leader's `running` flags. Batches without a term are not fenced.
 */
@Injectable()
export class InventoryIngestService {
  private readonly logger = new Logger('InventoryIngestService');

  constructor(
    private readonly database: Database,
    private readonly ingest: InventoryIngestRepository,
    private readonly folds: InventoryFoldService,
    @Optional() @Inject(INVENTORY_CHANGE_LISTENER) private readonly listener?: InventoryChangeListener,
  ) {}

  apply(agent: AgentIdentity, batch: InventoryBatch): Promise<InventoryResponse> {
    const { orgId, clusterId } = agent;
    return this.database.forOrg(orgId, async (m) => {
      const state = await this.ingest.lockAgentState(m, orgId, clusterId, batch.agentId, batch.term);
      if (batch.term !== undefined && state.highestTerm !== undefined && state.highestTerm > batch.term) {
        // Thrown inside the transaction: it rolls back, so the refused batch leaves no trace (not even its agent row).
        this.logger.warn({ orgId, clusterId, agentId: batch.agentId, sequence: batch.sequence, term: batch.term, highestTerm: state.highestTerm }, 'inventory batch of a superseded leader term refused');
        throw new ConflictException(inventoryTermSupersededMessage(batch.term, state.highestTerm));
      }
      if (batch.sequence <= state.lastSequence) {
        return { applied: false, duplicate: true, expectedSequence: state.lastSequence + 1, snapshotRequested: false };
      }
      let snapshotRequested = batch.sequence !== state.lastSequence + 1 || (state.isNew && batch.kind === 'delta');
      let snapshotId = state.snapshotId;
      let snapshotStartedAt = state.snapshotStartedAt;
      let partOfSnapshot = false;
      if (batch.kind === 'snapshot' && batch.snapshot) {
        if (batch.snapshot.part === 0) {
          snapshotId = batch.snapshot.id;
          // The agent listed the pods before sending: the earliest observation marks the start.
          snapshotStartedAt = batch.pods.reduce((t, p) => (new Date(p.observedAt) < t ? new Date(p.observedAt) : t), new Date(batch.sentAt));
        }
        partOfSnapshot = snapshotId === batch.snapshot.id;
        if (!partOfSnapshot) snapshotRequested = true; // we missed its first part: ask for a whole new one
      }

      const folded = foldBatch(batch);
      const finishing = partOfSnapshot && batch.snapshot?.last && snapshotId && snapshotStartedAt ? { id: snapshotId, startedAt: snapshotStartedAt } : null;
      if (finishing) snapshotRequested = batch.sequence !== state.lastSequence + 1;
      const snapshotFinished = finishing !== null;
      await this.ingest.upsertImages(m, orgId, folded);
      await this.ingest.upsertObservations(m, orgId, clusterId, folded, partOfSnapshot ? snapshotId : null);
      // The agent's new sequence rides with the closing statement (one round trip fewer per batch).
      await this.ingest.closeUnlistedAndSaveState(m, orgId, clusterId, batch.agentId, folded, {
        lastSequence: batch.sequence,
        snapshotId: finishing ? null : snapshotId,
        snapshotStartedAt: finishing ? null : snapshotStartedAt,
        snapshotFinished,
      });
      // Both mark the pods they touched due for the exposure rollup's fold (worker), queued after the commit.
      const closedBySnapshot = finishing ? await this.ingest.closeMissedBySnapshot(m, orgId, clusterId, finishing.id, finishing.startedAt) : 0;
      if (folded.listedPods.length + folded.deletedPods.length + closedBySnapshot > 0) {
        const folds = this.folds;
        await this.database.afterCommit(() => {
          void folds.enqueue(orgId, clusterId); // logs its own failure; the sweep re-adds the job
        });
      }
      const listener = this.listener;
      if (listener) {
        const runningDigests = [...new Set(folded.rows.filter((r) => r.running).map((r) => r.imageDigest))];
        const mayHaveStopped = snapshotFinished || folded.deletedPods.length > 0 || folded.listedPods.length > 0 || folded.rows.some((r) => !r.running);
        // New digests get verified, stopped ones resolve their violations: after the commit and
        // without holding up the agent's answer; what a failure misses, the verification sweep finds.
        await this.database.afterCommit(() => {
          listener.inventoryChanged({ orgId, clusterId, runningDigests, mayHaveStopped }).catch((error: unknown) => {
            this.logger.warn({ err: error, orgId, clusterId }, 'inventory change listener failed; the sweep will catch up');
          });
        });
      }
      return { applied: true, duplicate: false, expectedSequence: batch.sequence + 1, snapshotRequested };
    });
  }
}
