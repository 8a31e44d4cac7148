import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { AdvisoryMatchingService, type MatchReport } from '@vigil/advisories';
import { type AdvisoryMatchJob, QUEUE_NAMES } from '@vigil/shared/queue';

/**
 * `advisory.match`: re-match what due advisories can affect (then re-verify
 * where matches changed); on the last attempt a failing chunk is recorded on
 * its rows (GET /v1/advisory-matching) instead of thrown. `advisory.sweep`:
 * re-adds the job for due rows whose job was lost. One at a time per worker:
 * a job already drains every due row.
 */
@Processor(QUEUE_NAMES.advisoryMatch, { concurrency: 1 })
export class AdvisoryMatchProcessor extends WorkerHost {
  constructor(private readonly matching: AdvisoryMatchingService) {
    super();
  }

  process(job: Job<AdvisoryMatchJob | Record<string, never>>): Promise<MatchReport | { due: number; queued: boolean }> {
    if (job.name === 'advisory.sweep') return this.matching.sweep();
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.matching.matchDue(job.data as AdvisoryMatchJob, { lastAttempt });
  }
}
