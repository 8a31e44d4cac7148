import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * State of each configured OSV feed (VIGIL_ADVISORY_FEEDS), platform-wide: the
 * validators of the last body imported (so an unchanged feed costs one
 * conditional request) and the outcome of the last attempts, for the API.
 */
export class AdvisoryFeeds1795825000000 implements MigrationInterface {
  name = 'AdvisoryFeeds1795825000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE advisory_feeds (
        url text PRIMARY KEY,
        etag text,
        last_modified text,
        last_checked_at timestamptz,
        last_success_at timestamptz,
        -- the import's counts, or {"notModified": true}
        last_result jsonb,
        last_error text,
        last_error_at timestamptz,
        consecutive_failures integer NOT NULL DEFAULT 0
      )`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON advisory_feeds TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS advisory_feeds`);
  }
}
