import { InjectQueue } from '@nestjs/bullmq';
import { Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { ContinuousVerificationWorkerModule } from '@vigil/continuous-verification';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { ReverifySweepProcessor } from './reverify-sweep.processor';
import { VerifyProcessor } from './verify.processor';

/** Also the longest a lost job waits to be rebuilt, and the granularity of the spread of org sweeps. */
export const REVERIFY_TICK_EVERY_MS = 5000;

class ReverifySweepScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUE_NAMES.reverifySweep) private readonly queue: Queue) {}

  /** Idempotent across replicas: the scheduler id is fixed. Re-created by any worker that starts (e.g. after a Redis flush). */
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler('reverify.tick', { every: REVERIFY_TICK_EVERY_MS }, { name: 'reverify.tick', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }
}

@Module({
  imports: [ContinuousVerificationWorkerModule],
  providers: [VerifyProcessor, ReverifySweepProcessor, ReverifySweepScheduler],
})
export class VerificationWorkersModule {}
