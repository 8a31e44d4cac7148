import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { PolicyFanoutService, VerifyService, type VerifyOutcome } from '@vigil/continuous-verification';
import { QUEUE_NAMES, type VerifyImagesJob, type VerifyPolicyJob, type VerifyTargetsJob } from '@vigil/shared/queue';

export const VERIFY_CONCURRENCY = 4;

/**
 * Verify jobs: a bounded set of one org's due (cluster, digest) targets (or,
 * queued by older producers, a chunk of one cluster's), or one policy change's
 * fan-out. Each is one transaction; a job out of attempts leaves its
 * failure on the targets (GET /v1/verification/failures), which the sweep
 * retries later with backoff.
 */
@Processor(QUEUE_NAMES.verify, { concurrency: VERIFY_CONCURRENCY })
export class VerifyProcessor extends WorkerHost {
  constructor(
    private readonly verify: VerifyService,
    private readonly fanout: PolicyFanoutService,
  ) {
    super();
  }

  async process(job: Job<VerifyImagesJob | VerifyTargetsJob | VerifyPolicyJob>): Promise<VerifyOutcome | number> {
    try {
      if (job.name === 'verify.policy') return await this.fanout.fanOut(job.data as VerifyPolicyJob);
      if (job.name === 'verify.targets') return await this.verify.verifyTargets(job.data as VerifyTargetsJob);
      return await this.verify.verifyImages(job.data as VerifyImagesJob);
    } catch (error) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (last && job.name !== 'verify.policy') await this.verify.recordJobFailure(job.data as VerifyImagesJob | VerifyTargetsJob, error).catch(() => undefined);
      throw error;
    }
  }
}
