import { InjectQueue } from '@nestjs/bullmq';
import { Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { AdvisoryMatchProcessor } from './advisory-match.processor';

/** How often lost re-matching jobs are looked for. */
export const ADVISORY_SWEEP_EVERY_MS = 5_000;

class AdvisorySweepScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUE_NAMES.advisoryMatch) private readonly queue: Queue) {}

  /** Idempotent across replicas (fixed scheduler id); re-created by any worker that starts, e.g. after a Redis flush. */
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler('advisory.sweep', { every: ADVISORY_SWEEP_EVERY_MS }, { name: 'advisory.sweep', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }
}

/** Advisory re-matching after imports; the service and its queue come from the global AdvisoriesCoreModule. */
@Module({
  providers: [AdvisoryMatchProcessor, AdvisorySweepScheduler],
})
export class AdvisoryWorkersModule {}
