import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';

export interface FeedState {
  url: string;
  etag: string | null;
  lastModified: string | null;
  lastCheckedAt: Date | null;
  lastSuccessAt: Date | null;
  lastResult: Record<string, unknown> | null;
  lastError: string | null;
  lastErrorAt: Date | null;
  consecutiveFailures: number;
}

const COLUMNS = `url, etag, last_modified AS "lastModified", last_checked_at AS "lastCheckedAt", last_success_at AS "lastSuccessAt",
                 last_result AS "lastResult", last_error AS "lastError", last_error_at AS "lastErrorAt", consecutive_failures AS "consecutiveFailures"`;

/** `advisory_feeds`: validators and outcomes per configured feed URL. Platform-wide. */
@Injectable()
export class AdvisoryFeedRepository {
  constructor(private readonly database: Database) {}

  async find(url: string): Promise<FeedState | null> {
    const rows: FeedState[] = await this.database.platform((m) => m.query(`SELECT ${COLUMNS} FROM advisory_feeds WHERE url = $1`, [url]));
    return rows[0] ?? null;
  }

  list(urls: readonly string[]): Promise<FeedState[]> {
    return this.database.platform((m) => m.query(`SELECT ${COLUMNS} FROM advisory_feeds WHERE url = ANY($1::text[]) ORDER BY url`, [urls]));
  }

  /** Imported (or 304): keep the validators of what is now stored. */
  async recordSuccess(url: string, validators: { etag: string | null; lastModified: string | null } | null, result: Record<string, unknown>): Promise<void> {
    await this.database.platform((m) =>
      m.query(
        `INSERT INTO advisory_feeds (url, etag, last_modified, last_checked_at, last_success_at, last_result, consecutive_failures)
         VALUES ($1, $2, $3, now(), now(), $5, 0)
         ON CONFLICT (url) DO UPDATE
            SET etag = CASE WHEN $4 THEN EXCLUDED.etag ELSE advisory_feeds.etag END,
                last_modified = CASE WHEN $4 THEN EXCLUDED.last_modified ELSE advisory_feeds.last_modified END,
                last_checked_at = now(), last_success_at = now(), last_result = EXCLUDED.last_result, consecutive_failures = 0`,
        [url, validators?.etag ?? null, validators?.lastModified ?? null, validators !== null, JSON.stringify(result)],
      ),
    );
  }

  /** The validators stay: the body they describe is still what was imported last. */
  async recordFailure(url: string, error: string): Promise<void> {
    await this.database.platform((m) =>
      m.query(
        `INSERT INTO advisory_feeds (url, last_checked_at, last_error, last_error_at, consecutive_failures) VALUES ($1, now(), left($2, 2000), now(), 1)
         ON CONFLICT (url) DO UPDATE
            SET last_checked_at = now(), last_error = EXCLUDED.last_error, last_error_at = now(), consecutive_failures = advisory_feeds.consecutive_failures + 1`,
        [url, error],
      ),
    );
  }
}
