import { BadRequestException, ForbiddenException, Inject, Injectable, Logger } from '@nestjs/common';
import { Caller, isPlatformAdmin } from '@vigil/shared/auth';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { fetchFeed, FeedFetchError } from '../feeds/feed-fetcher';
import { AdvisoryFeedRepository, type FeedState } from '../repositories/advisory-feed.repository';
import { AdvisoryImportService } from './advisory-import.service';

export interface FeedOutcome {
  url: string;
  outcome: 'imported' | 'not-modified' | 'failed';
  error?: string;
}

/**
 * The scheduled fetch of VIGIL_ADVISORY_FEEDS (the worker's `advisory.feeds`
 * job): one conditional GET per feed, then the same import as
 * POST /v1/advisories/import (same upsert and per-record rejections; the
 * re-match is queued the same way). One feed's failure never stops the others.
 */
@Injectable()
export class AdvisoryFeedService {
  private readonly logger = new Logger('AdvisoryFeedService');

  constructor(
    private readonly feeds: AdvisoryFeedRepository,
    private readonly imports: AdvisoryImportService,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  get urls(): readonly string[] {
    return this.config.env.VIGIL_ADVISORY_FEEDS;
  }

  async fetchAll(): Promise<FeedOutcome[]> {
    const outcomes: FeedOutcome[] = [];
    for (const url of this.urls) outcomes.push(await this.fetchOne(url));
    return outcomes;
  }

  async fetchOne(url: string): Promise<FeedOutcome> {
    const env = this.config.env;
    try {
      const state = await this.feeds.find(url);
      const fetched = await fetchFeed(url, {
        etag: state?.etag ?? null,
        lastModified: state?.lastModified ?? null,
        timeoutMs: env.VIGIL_ADVISORY_FEED_TIMEOUT_MS,
        maxBytes: env.VIGIL_ADVISORY_FEED_MAX_BYTES,
        allowPrivateTargets: env.VIGIL_ALLOW_PRIVATE_TARGETS,
      });
      if (fetched.notModified) {
        await this.feeds.recordSuccess(url, null, { notModified: true });
        return { url, outcome: 'not-modified' };
      }
      const result = await this.imports.importPayload(fetched.body);
      const { rejected, ...counts } = result;
      await this.feeds.recordSuccess(url, { etag: fetched.etag, lastModified: fetched.lastModified }, { ...counts, rejected: rejected.slice(0, 20) });
      this.logger.log(`advisory feed ${url}: ${result.imported} new, ${result.updated} updated, ${result.rejectedTotal} rejected`);
      return { url, outcome: 'imported' };
    } catch (error) {
      // A body that is neither JSON nor a zip is the feed's fault, like a network error: recorded, retried next time.
      const message = error instanceof FeedFetchError || error instanceof BadRequestException ? error.message : `import failed: ${error instanceof Error ? error.message : String(error)}`;
      this.logger.warn({ url, error: message }, 'advisory feed failed');
      await this.feeds.recordFailure(url, message).catch((e: unknown) => this.logger.error({ err: e, url }, 'could not record the feed failure'));
      return { url, outcome: 'failed', error: message };
    }
  }

  /** `GET /v1/advisory-feeds` (platform admin): every configured feed, fetched yet or not. */
  async status(caller: Caller): Promise<{ intervalSeconds: number; items: FeedState[] }> {
    if (!isPlatformAdmin(caller)) throw new ForbiddenException('advisory feed status needs a platform administrator');
    const known = new Map((await this.feeds.list(this.urls)).map((f) => [f.url, f]));
    const items = this.urls.map(
      (url) =>
        known.get(url) ?? { url, etag: null, lastModified: null, lastCheckedAt: null, lastSuccessAt: null, lastResult: null, lastError: null, lastErrorAt: null, consecutiveFailures: 0 },
    );
    return { intervalSeconds: this.config.env.VIGIL_ADVISORY_FEED_INTERVAL_SECONDS, items };
  }
}
