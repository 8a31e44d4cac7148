import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { QUEUE_NAMES } from '@vigil/shared/queue';

/**
 * Periodic upkeep. The tick is a repeatable job, so exactly one worker replica
 * runs it each period; later issues hang cluster health and retention on it.
 */
@Processor(QUEUE_NAMES.housekeeping, { concurrency: 1 })
export class HousekeepingProcessor extends WorkerHost {
  private readonly logger = new Logger('HousekeepingProcessor');
  ticks = 0;

  async process(job: Job): Promise<{ tick: number }> {
    this.ticks += 1;
    this.logger.debug(`housekeeping tick ${job.id}`);
    return { tick: this.ticks };
  }
}
