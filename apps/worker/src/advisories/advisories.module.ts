import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { AdvisoryFeedProcessor } from './advisory-feed.processor';
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

class AdvisoryFeedScheduler implements OnApplicationBootstrap {
  constructor(
    @InjectQueue(QUEUE_NAMES.advisoryFeed) private readonly queue: Queue,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  /** Fixed scheduler id: one fetch per interval whatever the number of replicas; removed when no feed is configured. */
  async onApplicationBootstrap(): Promise<void> {
    const { VIGIL_ADVISORY_FEEDS: feeds, VIGIL_ADVISORY_FEED_INTERVAL_SECONDS: seconds } = this.config.env;
    if (feeds.length === 0) {
      await this.queue.removeJobScheduler('advisory.feeds');
      return;
    }
    await this.queue.upsertJobScheduler(
      'advisory.feeds',
      { every: seconds * 1000 }, // the first run is at once
      { name: 'advisory.feeds', data: {}, opts: { attempts: 1, removeOnComplete: 100, removeOnFail: 100 } },
    );
  }
}

/** Advisory re-matching after imports, and the scheduled feed fetch; the service and its queue come from the global AdvisoriesCoreModule. */
@Module({
  providers: [AdvisoryMatchProcessor, AdvisorySweepScheduler, AdvisoryFeedProcessor, AdvisoryFeedScheduler],
})
export class AdvisoryWorkersModule {}
