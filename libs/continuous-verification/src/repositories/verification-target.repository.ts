import { Injectable } from '@nestjs/common';
import { Database, queryRows } from '@vigil/shared/database';

export interface DueCluster {
  orgId: string;
  clusterId: string;
  digests: string[];
  dueAt: Date;
}

export interface TargetPair {
  clusterId: string;
  digest: string;
}

/** An outstanding target as a job read it; `version` is the row's `xmin` then (any later write changes it). */
export interface OutstandingTarget extends TargetPair {
  version: string;
}

export interface FailureRow {
  clusterId: string;
  imageDigest: string;
  failures: number;
  lastError: string;
  failedAt: Date;
  dueAt: Date | null;
}

/**
 * `verification_targets`: one row per (cluster, digest) that ran. `due_at`
 * not null means work is outstanding: the durable to-do list every trigger
 * writes to and every verify job clears.
 */
@Injectable()
export class VerificationTargetRepository {
  constructor(private readonly database: Database) {}

  /** The database clock: due marks are compared against it, not against this host's. */
  async clock(orgId: string): Promise<Date> {
    const rows: { now: Date }[] = await this.database.forOrg(orgId, (m) => m.query(`SELECT clock_timestamp() AS now`));
    return rows[0].now;
  }

  /** Marks (cluster, digest) pairs of live clusters due now, creating their rows. */
  async markDue(orgId: string, marks: readonly { clusterId: string; digest: string }[]): Promise<void> {
    // One row may be touched once per statement.
    const pairs = [...new Map(marks.map((p) => [`${p.clusterId}|${p.digest}`, p])).values()];
    if (pairs.length === 0) return;
    await this.database.forOrg(orgId, (m) =>
      m.query(
        `INSERT INTO verification_targets (org_id, cluster_id, image_digest, due_at)
         SELECT $1, t.c, t.d, now() FROM unnest($2::uuid[], $3::text[]) AS t(c, d)
         JOIN clusters c ON c.org_id = $1 AND c.id = t.c AND c.deleted_at IS NULL
         ORDER BY t.c, t.d
         ON CONFLICT (org_id, cluster_id, image_digest)
         DO UPDATE SET due_at = LEAST(COALESCE(verification_targets.due_at, 'infinity'), EXCLUDED.due_at)`,
        [orgId, pairs.map((p) => p.clusterId), pairs.map((p) => p.digest)],
      ),
    );
  }

  /** Marks only pairs never seen before (a new digest in a cluster); returns those. */
  async markNewDue(orgId: string, clusterId: string, digests: readonly string[]): Promise<string[]> {
    if (digests.length === 0) return [];
    const { rows } = await this.database.forOrg(orgId, (m) =>
      queryRows<{ image_digest: string }>(
        m,
        `INSERT INTO verification_targets (org_id, cluster_id, image_digest, due_at)
         SELECT $1, $2, d, now() FROM unnest($3::text[]) AS d ORDER BY d
         ON CONFLICT (org_id, cluster_id, image_digest) DO NOTHING
         RETURNING image_digest`,
        [orgId, clusterId, digests],
      ),
    );
    return rows.map((r) => r.image_digest);
  }

  /** Of these digests, the ones with work outstanding (due, or never verified). */
  async outstanding(orgId: string, clusterId: string, digests: readonly string[]): Promise<string[]> {
    const rows: { image_digest: string }[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT image_digest FROM verification_targets
          WHERE org_id = $1 AND cluster_id = $2 AND image_digest = ANY($3::text[]) AND (due_at IS NOT NULL OR verified_at IS NULL)
          ORDER BY image_digest`,
        [orgId, clusterId, digests],
      ),
    );
    return rows.map((r) => r.image_digest);
  }

  /** Of these pairs, the ones with work outstanding, with the row version each was read at. */
  async outstandingPairs(orgId: string, pairs: readonly TargetPair[]): Promise<OutstandingTarget[]> {
    if (pairs.length === 0) return [];
    const rows: { cluster_id: string; image_digest: string; version: string }[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT t.cluster_id, t.image_digest, t.xmin::text AS version
           FROM verification_targets t JOIN unnest($2::uuid[], $3::text[]) AS p(c, d) ON t.cluster_id = p.c AND t.image_digest = p.d
          WHERE t.org_id = $1 AND (t.due_at IS NOT NULL OR t.verified_at IS NULL)
          ORDER BY t.cluster_id, t.image_digest`,
        [orgId, pairs.map((p) => p.clusterId), pairs.map((p) => p.digest)],
      ),
    );
    return rows.map((r) => ({ clusterId: r.cluster_id, digest: r.image_digest, version: r.version }));
  }

  /** `lock` for pairs across clusters, in one order so concurrent jobs cannot deadlock. */
  async lockPairs(orgId: string, pairs: readonly TargetPair[]): Promise<void> {
    if (pairs.length === 0) return;
    await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT 1 FROM verification_targets t JOIN unnest($2::uuid[], $3::text[]) AS p(c, d) ON t.cluster_id = p.c AND t.image_digest = p.d
          WHERE t.org_id = $1 ORDER BY t.cluster_id, t.image_digest FOR UPDATE OF t`,
        [orgId, pairs.map((p) => p.clusterId), pairs.map((p) => p.digest)],
      ),
    );
  }

  /**
   * Done, for pairs across clusters (each with its cluster's policy token).
   * `due_at` is cleared only if it is at or before `startedAt` and the row is
   * the version the job read: a trigger landing after the job's reads keeps
   * the earlier `due_at` (markDue takes the least), so the time alone would
   * let this job clear a mark for revisions it never evaluated.
   */
  async markVerifiedPairs(orgId: string, done: readonly (OutstandingTarget & { token: string })[], startedAt: Date): Promise<void> {
    if (done.length === 0) return;
    await this.database.forOrg(orgId, (m) =>
      m.query(
        `UPDATE verification_targets t
            SET verified_at = now(), policy_state_token = p.token, failures = 0, last_error = NULL, failed_at = NULL,
                due_at = CASE WHEN t.due_at <= $6 AND t.xmin::text = p.version THEN NULL ELSE t.due_at END
           FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[]) AS p(c, d, version, token)
          WHERE t.org_id = $1 AND t.cluster_id = p.c AND t.image_digest = p.d`,
        [orgId, done.map((p) => p.clusterId), done.map((p) => p.digest), done.map((p) => p.version), done.map((p) => p.token), startedAt],
      ),
    );
  }

  /** `clear` for pairs across clusters. */
  async clearPairs(orgId: string, pairs: readonly TargetPair[]): Promise<void> {
    if (pairs.length === 0) return;
    await this.database.forOrg(orgId, (m) =>
      m.query(
        `UPDATE verification_targets t SET due_at = NULL FROM unnest($2::uuid[], $3::text[]) AS p(c, d)
          WHERE t.org_id = $1 AND t.cluster_id = p.c AND t.image_digest = p.d`,
        [orgId, pairs.map((p) => p.clusterId), pairs.map((p) => p.digest)],
      ),
    );
  }

  /** Serialises verifications of the same (cluster, digest) for the rest of the transaction. */
  async lock(orgId: string, clusterId: string, digests: readonly string[]): Promise<void> {
    await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT 1 FROM verification_targets WHERE org_id = $1 AND cluster_id = $2 AND image_digest = ANY($3::text[])
          ORDER BY image_digest FOR UPDATE`,
        [orgId, clusterId, digests],
      ),
    );
  }

  /** Done: a mark made after `startedAt` (a newer trigger) stays, so that change is verified too. */
  async markVerified(orgId: string, clusterId: string, digests: readonly string[], startedAt: Date, token: string): Promise<void> {
    await this.database.forOrg(orgId, (m) =>
      m.query(
        `UPDATE verification_targets
            SET verified_at = now(), policy_state_token = $5, failures = 0, last_error = NULL, failed_at = NULL,
                due_at = CASE WHEN due_at <= $4 THEN NULL ELSE due_at END
          WHERE org_id = $1 AND cluster_id = $2 AND image_digest = ANY($3::text[])`,
        [orgId, clusterId, digests, startedAt, token],
      ),
    );
  }

  /** A digest of a cluster that is gone: nothing to verify any more. */
  async clear(orgId: string, clusterId: string, digests: readonly string[]): Promise<void> {
    await this.database.forOrg(orgId, (m) =>
      m.query(`UPDATE verification_targets SET due_at = NULL WHERE org_id = $1 AND cluster_id = $2 AND image_digest = ANY($3::text[])`, [orgId, clusterId, digests]),
    );
  }

  /**
   * A verification that could not finish (registry down, a job out of
   * attempts, an SBOM still being derived): visible in the API, and due again
   * later with backoff. With `startedAt`, targets another job verified since
   * then keep that result (e.g. the SBOM landed while this job waited for it).
   */
  async recordFailure(orgId: string, clusterId: string, digests: readonly string[], error: string, startedAt?: Date): Promise<void> {
    await this.database.forOrg(orgId, (m) =>
      m.query(
        `UPDATE verification_targets
            SET failures = failures + 1, last_error = left($4, 2000), failed_at = now(),
                due_at = now() + least(interval '1 hour', interval '30 seconds' * power(2, least(failures, 10)))
          WHERE org_id = $1 AND cluster_id = $2 AND image_digest = ANY($3::text[])
            AND ($5::timestamptz IS NULL OR verified_at IS NULL OR verified_at < $5)`,
        [orgId, clusterId, digests, error, startedAt ?? null],
      ),
    );
  }

  /** Cross-org: due work grouped by cluster, oldest first (ids only). */
  async dueClusters(limit: number): Promise<DueCluster[]> {
    const rows: { org_id: string; cluster_id: string; digests: string[]; due_at: Date }[] = await this.database.platform((m) =>
      m.query('SELECT * FROM vigil_due_verifications($1)', [limit]),
    );
    return rows.map((r) => ({ orgId: r.org_id, clusterId: r.cluster_id, digests: r.digests, dueAt: r.due_at }));
  }

  /** The due work of these clusters, grouped exactly as `dueClusters` groups it (so both make the same job ids). */
  async dueIn(orgId: string, clusterIds: readonly string[]): Promise<DueCluster[]> {
    if (clusterIds.length === 0) return [];
    const rows: { cluster_id: string; digests: string[]; due_at: Date }[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT cluster_id, array_agg(image_digest ORDER BY image_digest) AS digests, min(due_at) AS due_at
           FROM verification_targets
          WHERE org_id = $1 AND cluster_id = ANY($2::uuid[]) AND due_at <= now()
          GROUP BY cluster_id`,
        [orgId, clusterIds],
      ),
    );
    return rows.map((r) => ({ orgId, clusterId: r.cluster_id, digests: r.digests, dueAt: r.due_at }));
  }

  /** Cross-org: which orgs run any of these digests (platform-wide metadata changes). */
  async orgsRunning(digests: readonly string[]): Promise<string[]> {
    const rows: { org_id: string }[] = await this.database.platform((m) => m.query('SELECT * FROM vigil_orgs_running_digests($1::text[])', [digests]));
    return rows.map((r) => r.org_id);
  }

  async failures(orgId: string, clusterIds: string[] | null, page: { limit: number; after: { failedAt: string; clusterId: string; digest: string } | null }): Promise<FailureRow[]> {
    const rows: { cluster_id: string; image_digest: string; failures: number; last_error: string; failed_at: Date; due_at: Date | null }[] = await this.database.forOrg(
      orgId,
      (m) =>
        m.query(
          `SELECT cluster_id, image_digest, failures, last_error, failed_at, due_at FROM verification_targets
            WHERE org_id = $1 AND failed_at IS NOT NULL
              AND ($2::uuid[] IS NULL OR cluster_id = ANY($2::uuid[]))
              AND ($3::timestamptz IS NULL OR (failed_at, cluster_id::text, image_digest) < ($3::timestamptz, $4::text, $5::text))
            ORDER BY failed_at DESC, cluster_id::text DESC, image_digest DESC LIMIT $6`,
          [orgId, clusterIds, page.after?.failedAt ?? null, page.after?.clusterId ?? null, page.after?.digest ?? null, page.limit + 1],
        ),
    );
    return rows.map((r) => ({ clusterId: r.cluster_id, imageDigest: r.image_digest, failures: r.failures, lastError: r.last_error, failedAt: r.failed_at, dueAt: r.due_at }));
  }

  /** Ids of the clusters (live or retired) in these groups. */
  async clustersInGroups(orgId: string, groupIds: readonly string[]): Promise<string[]> {
    if (groupIds.length === 0) return [];
    const rows: { id: string }[] = await this.database.forOrg(orgId, (m) => m.query(`SELECT id FROM clusters WHERE org_id = $1 AND group_id = ANY($2::uuid[])`, [orgId, groupIds]));
    return rows.map((r) => r.id);
  }
}
