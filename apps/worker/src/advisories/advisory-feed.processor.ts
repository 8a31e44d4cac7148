import { Processor, WorkerHost } from '@nestjs/bullmq';
import { AdvisoryFeedService, type FeedOutcome } from '@vigil/advisories';
import { QUEUE_NAMES } from '@vigil/shared/queue';

/** `advisory.feeds`: fetch and import every configured feed (failures are recorded per feed, not thrown). */
@Processor(QUEUE_NAMES.advisoryFeed, { concurrency: 1 })
export class AdvisoryFeedProcessor extends WorkerHost {
  constructor(private readonly feeds: AdvisoryFeedService) {
    super();
  }

  process(): Promise<FeedOutcome[]> {
    return this.feeds.fetchAll();
  }
}
