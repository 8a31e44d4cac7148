import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';

export const DEFAULT_SWEEP_INTERVAL_SECONDS = 600;

export interface Schedule {
  intervalSeconds: number;
  lastSweepAt: Date | null;
  nextSweepAt: Date;
}

/**
 * Per-org sweeps: every running (cluster, digest) is marked due once per
 * interval, at an offset spread over the interval so a sweep never bursts.
 */
@Injectable()
export class ScheduleRepository {
  constructor(private readonly database: Database) {}

  /** Cross-org: orgs with live clusters whose sweep is due (or never ran). */
  async dueOrgs(): Promise<string[]> {
    const rows: { org_id: string }[] = await this.database.platform((m) => m.query('SELECT * FROM vigil_due_verification_sweeps()'));
    return rows.map((r) => r.org_id);
  }

  async get(orgId: string): Promise<Schedule> {
    const rows: { interval_seconds: number; last_sweep_at: Date | null; next_sweep_at: Date }[] = await this.database.forOrg(orgId, (m) =>
      m.query(`SELECT interval_seconds, last_sweep_at, next_sweep_at FROM verification_schedules WHERE org_id = $1`, [orgId]),
    );
    const r = rows[0];
    return r ? { intervalSeconds: r.interval_seconds, lastSweepAt: r.last_sweep_at, nextSweepAt: r.next_sweep_at } : { intervalSeconds: DEFAULT_SWEEP_INTERVAL_SECONDS, lastSweepAt: null, nextSweepAt: new Date() };
  }

  async setInterval(orgId: string, intervalSeconds: number): Promise<Schedule> {
    await this.database.forOrg(orgId, (m) =>
      m.query(
        `INSERT INTO verification_schedules (org_id, interval_seconds, next_sweep_at) VALUES ($1, $2::int, now() + make_interval(secs => $2::int))
         ON CONFLICT (org_id) DO UPDATE SET interval_seconds = EXCLUDED.interval_seconds,
           next_sweep_at = LEAST(verification_schedules.next_sweep_at, COALESCE(verification_schedules.last_sweep_at, now()) + make_interval(secs => $2::int))`,
        [orgId, intervalSeconds],
      ),
    );
    return this.get(orgId);
  }

  /**
   * Starts a sweep unless another replica just did (the row lock decides):
   * marks every running (cluster, digest) of live clusters due at now +
   * spread × (a per-cluster fraction), creating rows for pairs never seen.
   * Returns the number of pairs marked, or null when the sweep was not due.
   */
  async startSweep(orgId: string, spreadSeconds: number | null, force = false): Promise<number | null> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(`INSERT INTO verification_schedules (org_id) VALUES ($1) ON CONFLICT (org_id) DO NOTHING`, [orgId]);
      const rows: { interval_seconds: number; due: boolean }[] = await m.query(
        `SELECT interval_seconds, next_sweep_at <= now() AS due FROM verification_schedules WHERE org_id = $1 FOR UPDATE`,
        [orgId],
      );
      if (!rows[0].due && !force) return null;
      const interval = rows[0].interval_seconds;
      // Half the interval by default: the sweep is over well before the next one starts.
      const spread = spreadSeconds ?? interval / 2;
      const marked: { n: number }[] = await m.query(
        `WITH running AS (
           SELECT DISTINCT o.cluster_id, o.image_digest FROM observations o
             JOIN clusters c ON c.org_id = o.org_id AND c.id = o.cluster_id AND c.deleted_at IS NULL
            WHERE o.org_id = $1 AND o.running
         ), marked AS (
           INSERT INTO verification_targets (org_id, cluster_id, image_digest, due_at)
           SELECT $1, r.cluster_id, r.image_digest, now() + make_interval(secs => $2::float8 * ((hashtext(r.cluster_id::text) & 1023) / 1024.0))
             FROM running r
            -- the order verify jobs lock targets in: concurrent sweeps and verifications never deadlock
            ORDER BY r.cluster_id, r.image_digest
           ON CONFLICT (org_id, cluster_id, image_digest)
           DO UPDATE SET due_at = LEAST(COALESCE(verification_targets.due_at, 'infinity'), EXCLUDED.due_at)
           RETURNING 1
         )
         SELECT count(*)::int AS n FROM marked`,
        [orgId, spread],
      );
      await m.query(`UPDATE verification_schedules SET last_sweep_at = now(), next_sweep_at = now() + make_interval(secs => interval_seconds) WHERE org_id = $1`, [orgId]);
      return marked[0].n;
    });
  }
}
