import { Injectable, Logger } from '@nestjs/common';
import type { AgentNonce } from '@vigil/clusters';
import { Coalescer, Database } from '@vigil/shared/database';
import { AdmissionDecisionRepository, type NewAdmissionDecision } from '../repositories';

/** One decision to commit, its request's nonce, and what else must be in its transaction (its event, for denials and warnings). */
export interface DecisionToRecord {
  decision: NewAdmissionDecision;
  nonce: AgentNonce;
  alsoInTransaction?: () => Promise<void>;
}

/** `replayed`: the request's nonce was seen before; nothing was recorded and the request must be refused. */
export type RecordOutcome = 'recorded' | 'replayed';

/**
 * Group commit for admission decisions. Every decision is committed before
 * its agent hears the answer (nothing accepted is lost), together with its
 * request's nonce (the replay guard), and the decisions of one org that
 * arrive together (or while its previous commit runs) share one statement:
 * under load, a decision costs a fraction of one round trip and one WAL
 * flush. A batch that fails is retried one decision at a time, so one bad
 * decision fails only its own request.
 */
@Injectable()
export class AdmissionDecisionRecorder {
  private readonly logger = new Logger('AdmissionDecisionRecorder');
  private readonly batcher = new Coalescer<DecisionToRecord, RecordOutcome>((orgId, items) => this.commit(orgId, items));

  constructor(
    private readonly database: Database,
    private readonly decisions: AdmissionDecisionRepository,
  ) {}

  /** Resolves once the decision (and whatever it brought along) is committed, or is known to be a replay. */
  record(item: DecisionToRecord): Promise<RecordOutcome> {
    return this.batcher.submit(item.decision.orgId, item);
  }

  private async commit(orgId: string, items: DecisionToRecord[]): Promise<(RecordOutcome | Error)[]> {
    // The same nonce twice in one batch: the second is a replay of the first.
    const seen = new Set<string>();
    const distinct = items.filter((item) => {
      const key = `${item.nonce.clusterId} ${item.nonce.nonce}`;
      return !seen.has(key) && seen.add(key);
    });
    const outcomes = new Map<DecisionToRecord, RecordOutcome | Error>();
    try {
      (await this.commitTogether(orgId, distinct)).forEach((fresh, i) => outcomes.set(distinct[i], fresh ? 'recorded' : 'replayed'));
    } catch (error) {
      if (distinct.length === 1) throw error;
      this.logger.warn({ err: error, orgId, decisions: distinct.length }, 'a batch of admission decisions failed; committing them one by one');
      await Promise.all(
        distinct.map((item) =>
          this.commitTogether(orgId, [item]).then(
            ([fresh]) => outcomes.set(item, fresh ? 'recorded' : 'replayed'),
            (e: unknown) => outcomes.set(item, e instanceof Error ? e : new Error(String(e))),
          ),
        ),
      );
    }
    return items.map((item) => outcomes.get(item) ?? 'replayed');
  }

  /** Which decisions were recorded (their nonce was new); their events go in the same transaction. */
  private commitTogether(orgId: string, items: readonly DecisionToRecord[]): Promise<boolean[]> {
    if (!items.some((item) => item.alsoInTransaction)) return this.decisions.insertRemembering(orgId, items);
    return this.database.forOrg(orgId, async () => {
      const fresh = await this.decisions.insertRemembering(orgId, items);
      for (const [i, item] of items.entries()) if (fresh[i]) await item.alsoInTransaction?.();
      return fresh;
    });
  }
}
