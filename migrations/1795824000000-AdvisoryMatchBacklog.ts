import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Re-matching after an advisory import runs in the worker, not in the import
 * request. This table is its durable to-do list: the import writes the ids it
 * changed in the same transaction as the advisories, the `advisory.match` job
 * deletes them once their SBOMs are re-matched, and a sweep re-enqueues
 * whatever a lost job left. Platform-wide like the advisories (no tenant).
 */
export class AdvisoryMatchBacklog1795824000000 implements MigrationInterface {
  name = 'AdvisoryMatchBacklog1795824000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE advisory_matches_due (
        advisory_id text PRIMARY KEY REFERENCES advisories(id) ON DELETE CASCADE,
        -- the advisory revision that made it due: finishing an older mark must not clear a newer one
        revision bigint NOT NULL,
        due_at timestamptz NOT NULL DEFAULT now(),
        -- a job working on it; another job (another replica, the sweep's) skips it until then
        claimed_until timestamptz,
        failures integer NOT NULL DEFAULT 0,
        last_error text,
        failed_at timestamptz
      )`);
    await q.query(`CREATE INDEX advisory_matches_due_at ON advisory_matches_due (due_at)`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON advisory_matches_due TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS advisory_matches_due`);
  }
}
