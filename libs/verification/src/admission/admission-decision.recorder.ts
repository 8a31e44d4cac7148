import { Injectable, Logger } from '@nestjs/common';
import { Coalescer, Database } from '@vigil/shared/database';
import { AdmissionDecisionRepository, type NewAdmissionDecision } from '../repositories';

/** One decision to commit, and what else must be in its transaction (its event, for denials and warnings). */
export interface DecisionToRecord {
  decision: NewAdmissionDecision;
  alsoInTransaction?: () => Promise<void>;
}

/**
 * Group commit for admission decisions. Every decision is committed before
 * its agent hears the answer (nothing accepted is lost), but the decisions of
 * one org that arrive together (or while its previous commit runs) share one
 * transaction and one INSERT: under
 * load, round trips per decision fall from three to a fraction of one. A
 * batch that fails is retried one decision at a time, so one bad decision
 * fails only its own request.
 */
@Injectable()
export class AdmissionDecisionRecorder {
  private readonly logger = new Logger('AdmissionDecisionRecorder');
  private readonly batcher = new Coalescer<DecisionToRecord, void>((orgId, items) => this.commit(orgId, items));

  constructor(
    private readonly database: Database,
    private readonly decisions: AdmissionDecisionRepository,
  ) {}

  /** Resolves once the decision (and whatever it brought along) is committed. */
  record(item: DecisionToRecord): Promise<void> {
    return this.batcher.submit(item.decision.orgId, item);
  }

  private async commit(orgId: string, items: DecisionToRecord[]): Promise<(void | Error)[]> {
    try {
      await this.commitTogether(orgId, items);
      return items.map(() => undefined);
    } catch (error) {
      if (items.length === 1) throw error;
      this.logger.warn({ err: error, orgId, decisions: items.length }, 'a batch of admission decisions failed; committing them one by one');
      return Promise.all(items.map((item) => this.commitTogether(orgId, [item]).then(() => undefined, (e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
    }
  }

  private commitTogether(orgId: string, items: readonly DecisionToRecord[]): Promise<void> {
    return this.database.forOrg(orgId, async () => {
      await this.decisions.insertMany(
        orgId,
        items.map((item) => item.decision),
      );
      for (const item of items) await item.alsoInTransaction?.();
    });
  }
}
