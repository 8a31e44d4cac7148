import { Injectable } from '@nestjs/common';
import { Database, queryRows } from '@vigil/shared/database';

export interface DueAdvisory {
  advisoryId: string;
  revision: string;
}

export interface MatchFailure {
  advisoryId: string;
  revision: string;
  failures: number;
  lastError: string;
  failedAt: Date;
  dueAt: Date;
}

export interface BacklogState {
  due: number;
  /** Highest revision and latest due time among rows due and unclaimed for at least the grace (null: none). */
  stale: { revision: string; dueAt: Date } | null;
}

/**
 * `advisory_matches_due`: advisories whose SBOM matches are still to be
 * recomputed. Written by the import in its own transaction (AdvisoryRepository),
 * claimed and cleared by the `advisory.match` job. Platform-wide.
 */
@Injectable()
export class AdvisoryMatchRepository {
  constructor(private readonly database: Database) {}

  /** Up to `limit` due rows nobody holds, oldest revision first, held for `claimSeconds`. */
  async claim(limit: number, claimSeconds: number): Promise<DueAdvisory[]> {
    const { rows } = await this.database.platform((m) =>
      queryRows<DueAdvisory>(
        m,
        `UPDATE advisory_matches_due d SET claimed_until = now() + make_interval(secs => $2)
           FROM (SELECT advisory_id FROM advisory_matches_due
                  WHERE due_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
                  ORDER BY revision LIMIT $1 FOR UPDATE SKIP LOCKED) c
          WHERE d.advisory_id = c.advisory_id
         RETURNING d.advisory_id AS "advisoryId", d.revision::text AS revision`,
        [limit, claimSeconds],
      ),
    );
    return rows;
  }

  /** Matched: rows still at the claimed revision go; a newer import's mark stays due. */
  async done(rows: readonly DueAdvisory[]): Promise<void> {
    if (rows.length === 0) return;
    await this.database.platform((m) =>
      m.query(
        `DELETE FROM advisory_matches_due d USING unnest($1::text[], $2::bigint[]) AS x(id, revision)
          WHERE d.advisory_id = x.id AND d.revision = x.revision`,
        [rows.map((r) => r.advisoryId), rows.map((r) => r.revision)],
      ),
    );
  }

  /** Gives claimed rows back at once (the job will be retried by BullMQ). */
  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.database.platform((m) => m.query(`UPDATE advisory_matches_due SET claimed_until = NULL WHERE advisory_id = ANY($1::text[])`, [ids]));
  }

  /** Out of attempts: visible in the API, due again later with backoff (30 s doubling, at most an hour). */
  async recordFailure(ids: readonly string[], error: string): Promise<void> {
    if (ids.length === 0) return;
    await this.database.platform((m) =>
      m.query(
        `UPDATE advisory_matches_due
            SET failures = failures + 1, last_error = left($2, 2000), failed_at = now(), claimed_until = NULL,
                due_at = now() + least(interval '1 hour', interval '30 seconds' * power(2, least(failures, 10)))
          WHERE advisory_id = ANY($1::text[])`,
        [ids, error],
      ),
    );
  }

  async state(graceSeconds: number): Promise<BacklogState> {
    const rows: { due: number; revision: string | null; due_at: Date | null }[] = await this.database.platform((m) =>
      m.query(
        `SELECT count(*)::int AS due,
                max(revision) FILTER (WHERE stale)::text AS revision, max(due_at) FILTER (WHERE stale) AS due_at
           FROM (SELECT revision, due_at,
                        due_at <= now() - make_interval(secs => $1) AND (claimed_until IS NULL OR claimed_until < now()) AS stale
                   FROM advisory_matches_due) d`,
        [graceSeconds],
      ),
    );
    const r = rows[0];
    return { due: r.due, stale: r.revision !== null && r.due_at !== null ? { revision: r.revision, dueAt: r.due_at } : null };
  }

  /** Advisories whose re-match ran out of attempts, latest failure first. */
  failures(limit: number): Promise<MatchFailure[]> {
    return this.database.platform((m) =>
      m.query(
        `SELECT advisory_id AS "advisoryId", revision::text AS revision, failures, last_error AS "lastError", failed_at AS "failedAt", due_at AS "dueAt"
           FROM advisory_matches_due WHERE failed_at IS NOT NULL ORDER BY failed_at DESC, advisory_id LIMIT $1`,
        [limit],
      ),
    );
  }
}
