import { InjectQueue } from '@nestjs/bullmq';
import { ForbiddenException, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { Caller, isPlatformAdmin } from '@vigil/shared/auth';
import { ADVISORY_MATCH_JOB_OPTIONS, advisoryMatchJobId, type AdvisoryMatchJob, QUEUE_NAMES } from '@vigil/shared/queue';
import { AdvisoryMatchRepository, type MatchFailure } from '../repositories/advisory-match.repository';
import { ADVISORY_CHANGE_HANDLER, type AdvisoryChangeHandler } from './advisory-changes';
import { AdvisoryIndexService } from './advisory-index.service';

export interface MatchReport {
  advisories: number;
  rematchedSboms: number;
  /** Advisories whose re-match failed on this job's last attempt (recorded, due again with backoff). */
  failed: number;
}

export interface MatchingStatus {
  /** Advisories whose matches are still to be recomputed (failed ones included). */
  due: number;
  failures: MatchFailure[];
}

/** Advisories per claim: one `advisoriesChanged` call each, so a retry redoes little. */
const CHUNK = 200;
/** How long a claim holds; a job that dies leaves its rows to the next one after this. */
const CLAIM_SECONDS = 600;
/** Due rows older than this without a claim mean their job was lost: the sweep re-adds one. */
export const MATCH_SWEEP_GRACE_SECONDS = 10;

/**
 * Re-matching after imports, off the request path. The import marks advisories
 * due in its transaction and calls `enqueue` after commit; the worker's
 * `advisory.match` job runs `matchDue`, and the `advisory.sweep` tick runs
 * `sweep`, which re-adds the job whenever due rows outlive it.
 */
@Injectable()
export class AdvisoryMatchingService {
  private readonly logger = new Logger('AdvisoryMatchingService');

  constructor(
    private readonly backlog: AdvisoryMatchRepository,
    private readonly index: AdvisoryIndexService,
    @InjectQueue(QUEUE_NAMES.advisoryMatch) private readonly jobs: Queue,
    // Provided by the images context (worker and API): absent, nothing is stored per image to re-match.
    @Optional() @Inject(ADVISORY_CHANGE_HANDLER) private readonly changes?: AdvisoryChangeHandler,
  ) {}

  /** After an import committed. A failed enqueue only delays matching: the sweep finds the rows. */
  async enqueue(revision: string, dueAtMs = 0): Promise<boolean> {
    const job: AdvisoryMatchJob = { revision };
    try {
      await this.jobs.add('advisory.match', job, { ...ADVISORY_MATCH_JOB_OPTIONS, jobId: advisoryMatchJobId(job, dueAtMs) });
      return true;
    } catch (error) {
      this.logger.warn({ err: error, revision }, 'could not queue advisory re-matching; the sweep will');
      return false;
    }
  }

  /**
   * Claims due advisories in chunks and re-matches what they can affect until
   * none is left. A chunk that fails is given back (BullMQ retries the job),
   * or, on the job's last attempt, recorded as failed and the rest carries on.
   */
  async matchDue(job: AdvisoryMatchJob, options: { lastAttempt: boolean }): Promise<MatchReport> {
    const report: MatchReport = { advisories: 0, rematchedSboms: 0, failed: 0 };
    await this.index.refreshTo(job.revision);
    const failed = new Set<string>();
    for (;;) {
      const claimed = await this.backlog.claim(CHUNK, CLAIM_SECONDS);
      // A failure recorded here is due again only after its backoff; seeing it again means it was not recorded: stop.
      if (claimed.length === 0 || claimed.some((c) => failed.has(c.advisoryId))) break;
      const ids = claimed.map((c) => c.advisoryId);
      try {
        // Rows of a later import than the job's: the index must include them too.
        await this.index.refreshTo(claimed.reduce((max, c) => (BigInt(c.revision) > BigInt(max) ? c.revision : max), job.revision));
        const { rematchedSboms } = this.changes ? await this.changes.advisoriesChanged(ids) : { rematchedSboms: 0 };
        await this.backlog.done(claimed);
        report.advisories += claimed.length;
        report.rematchedSboms += rematchedSboms;
      } catch (error) {
        if (!options.lastAttempt) {
          await this.backlog.release(ids).catch(() => undefined); // else the claim expires
          throw error;
        }
        this.logger.error({ err: error, advisories: ids.length }, 'advisory re-matching failed on its last attempt');
        await this.backlog.recordFailure(ids, error instanceof Error ? error.message : String(error));
        for (const id of ids) failed.add(id);
        report.failed += ids.length;
      }
    }
    if (report.advisories || report.failed) this.logger.log(`advisory re-matching: ${report.advisories} advisories, ${report.rematchedSboms} SBOMs re-matched, ${report.failed} failed`);
    return report;
  }

  /** The safety net: due rows past the grace and unclaimed get a job again (same id for the same state). */
  async sweep(): Promise<{ due: number; queued: boolean }> {
    const state = await this.backlog.state(MATCH_SWEEP_GRACE_SECONDS);
    if (!state.stale) return { due: state.due, queued: false };
    return { due: state.due, queued: await this.enqueue(state.stale.revision, state.stale.dueAt.getTime()) };
  }

  /** `GET /v1/advisory-matching` (platform admin). */
  async status(caller: Caller, limit: number): Promise<MatchingStatus> {
    if (!isPlatformAdmin(caller)) throw new ForbiddenException('advisory matching status needs a platform administrator');
    const [state, failures] = await Promise.all([this.backlog.state(MATCH_SWEEP_GRACE_SECONDS), this.backlog.failures(limit)]);
    return { due: state.due, failures };
  }
}
