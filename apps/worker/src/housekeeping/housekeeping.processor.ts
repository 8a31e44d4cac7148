import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { HousekeepingReport, HousekeepingService } from './housekeeping.service';

/**
 * The tick is a repeatable job, so exactly one worker replica runs it each
 * period, whatever the number of replicas.
 */
@Processor(QUEUE_NAMES.housekeeping, { concurrency: 1 })
export class HousekeepingProcessor extends WorkerHost {
  ticks = 0;

  constructor(private readonly housekeeping: HousekeepingService) {
    super();
  }

  async process(_job: Job): Promise<HousekeepingReport> {
    this.ticks += 1;
    return this.housekeeping.tick();
  }
}
