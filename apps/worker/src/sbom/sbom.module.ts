import { InjectQueue } from '@nestjs/bullmq';
import { Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { SbomProcessor } from './sbom.processor';

/** How often lost sbom jobs are looked for (each tick reads a bounded slice of images). */
export const SBOM_SWEEP_EVERY_MS = 60_000;

class SbomSweepScheduler implements OnApplicationBootstrap {
  constructor(@InjectQueue(QUEUE_NAMES.sbom) private readonly queue: Queue) {}

  /** Idempotent across replicas (fixed scheduler id); re-created by any worker that starts, e.g. after a Redis flush. */
  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler('sbom.sweep', { every: SBOM_SWEEP_EVERY_MS }, { name: 'sbom.sweep', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } });
  }
}

/** The sbom queue's processor; the producers and ImageSbomService come from the global ImagesCoreModule. */
@Module({
  providers: [SbomProcessor, SbomSweepScheduler],
})
export class SbomWorkersModule {}
