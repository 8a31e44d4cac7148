import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';

export interface ExposureQuery {
  /** The advisory's alias group: stored matches are found by any of these ids (GIN on image_vulnerabilities.ids). */
  ids: string[];
  from: Date | null;
  to: Date | null;
  /** null: every cluster of the org (admins, root viewers). */
  clusterIds: string[] | null;
  /** The sort key of the last item of the previous page. */
  after: string[] | null;
  limit: number;
}

export interface ExposureRow {
  cluster_id: string;
  namespace: string;
  workload_kind: string | null;
  workload_name: string | null;
  image_ref: string;
  image_digest: string;
  package_name: string;
  package_version: string;
  package_ecosystem: string;
  first_seen: Date;
  last_seen: Date;
  running: boolean;
}

export const EXPOSURE_KEY_COLUMNS = 8;

export interface PackageHit {
  sbom_id: string;
  digest: string;
  name: string;
  version: string;
  purl: string;
  ecosystem: string;
}

export interface DigestUsage {
  digest: string;
  running: boolean;
  first_seen: Date;
  last_seen: Date;
  refs: string[];
  cluster_ids: string[];
}

/**
 * The hot reads of this context, written for the planner; indexes in the
 * SupplyChain and WorkloadImageRuns migrations. Everything runs in the org's transaction (RLS on
 * observations, images and the image_* tables applies on top of the filters).
 */
@Injectable()
export class ExposureRepository {
  constructor(private readonly database: Database) {}

  /**
   * Where and when images with a matched package ran: the few digests whose
   * stored matches carry one of the ids (btree probes of image_vulnerability_ids;
   * see the migration for why not the GIN), then each digest's workload runs
   * (workload_image_runs_group: a few rows per workload, not one per pod),
   * overlapping the window, one row per cluster/namespace/workload/reference/
   * package with the hull of its runs. The page key is filtered before
   * grouping: every key column is a grouping column, so that is the same and
   * cheaper.
   *
   * Against the observations this approximates, documented in
   * docs/benchmarks.md ("Exposure at 10M"): with a window, firstSeen/lastSeen
   * are those of the whole runs that overlap it (a run merges pods whose
   * intervals overlap or are at most 5 minutes apart); a running run's
   * lastSeen may trail the agent's latest report by up to a minute; and a run
   * that overlaps the window and still runs is `running` even if the
   * container running now started after `to`.
   */
  exposure(orgId: string, q: ExposureQuery): Promise<ExposureRow[]> {
    const params: unknown[] = [orgId, q.ids, q.from ?? '-infinity', q.to ?? 'infinity', q.clusterIds];
    let keyset = '';
    if (q.after) {
      const placeholders = q.after.map((v) => {
        params.push(v);
        return `$${params.length}`;
      });
      keyset = `AND (r.cluster_id::text, r.namespace, r.workload_kind, r.workload_name, r.image_digest, r.image_ref, v.package_name, v.package_version)
                  > (${placeholders.join(', ')})`;
    }
    params.push(q.limit + 1);
    // Runs store '' for "no workload"; the key compares '' exactly as it compared coalesce(kind, '') before.
    return this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT r.cluster_id, r.namespace, nullif(r.workload_kind, '') AS workload_kind, nullif(r.workload_name, '') AS workload_name, r.image_ref, r.image_digest,
                v.package_name, v.package_version, v.package_ecosystem,
                min(r.first_seen) AS first_seen, max(r.last_seen) AS last_seen, bool_or(r.running) AS running
           FROM (SELECT DISTINCT x.digest, m.package_name, m.package_version, m.package_ecosystem
                   FROM image_vulnerability_ids x
                   JOIN image_vulnerabilities m ON m.sbom_id = x.sbom_id AND m.package_ordinal = x.package_ordinal AND m.advisory_id = x.advisory_id
                  WHERE x.id = ANY($2::text[]) AND (x.org_id IS NULL OR x.org_id = $1)) v
           JOIN workload_image_runs r ON r.org_id = $1 AND r.image_digest = v.digest
          WHERE r.first_seen < $4::timestamptz AND (r.running OR r.last_seen > greatest($3::timestamptz, r.first_seen))
            AND ($5::uuid[] IS NULL OR r.cluster_id = ANY($5::uuid[]))
            ${keyset}
          GROUP BY r.cluster_id, r.namespace, r.workload_kind, r.workload_name, r.image_digest, r.image_ref,
                   v.package_name, v.package_version, v.package_ecosystem
          ORDER BY r.cluster_id::text, r.namespace, r.workload_kind, r.workload_name, r.image_digest, r.image_ref,
                   v.package_name, v.package_version
          LIMIT $${params.length}`,
        params,
      ),
    );
  }

  /** Has the org observed this digest? (An org sees an image only then.) */
  async isObserved(orgId: string, digest: string): Promise<boolean> {
    const rows = await this.database.forOrg(orgId, (m) => m.query(`SELECT 1 FROM images WHERE org_id = $1 AND digest = $2`, [orgId, digest]));
    return rows.length > 0;
  }

  references(orgId: string, digest: string): Promise<{ ref: string; first_seen: Date; last_seen: Date }[]> {
    return this.database.forOrg(orgId, (m) =>
      m.query(`SELECT ref, first_seen, last_seen FROM image_references WHERE org_id = $1 AND digest = $2 ORDER BY last_seen DESC, ref LIMIT 100`, [orgId, digest]),
    );
  }

  /**
   * Packages named `name` (lookup or source name) in an ecosystem family, in
   * images this org has observed. Version ranges are applied by the caller
   * (ecosystem semantics are not SQL's).
   */
  packagesNamed(orgId: string, family: string, name: string, limit: number): Promise<PackageHit[]> {
    return this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT p.sbom_id::text AS sbom_id, p.digest, p.name, p.version, p.purl, p.ecosystem
           FROM image_packages p
          WHERE p.ecosystem_family = $2 AND (p.lookup_name = $3 OR p.source_name = $3)
            AND (p.org_id IS NULL OR p.org_id = $1)
            AND EXISTS (SELECT 1 FROM images i WHERE i.org_id = $1 AND i.digest = p.digest)
          ORDER BY p.digest, p.purl
          LIMIT $4`,
        [orgId, family, name, limit],
      ),
    );
  }

  /** Per digest: whether it runs now in the allowed clusters, when it ran, under which references (from the workload runs). */
  usage(orgId: string, digests: string[], clusterIds: string[] | null): Promise<DigestUsage[]> {
    if (digests.length === 0) return Promise.resolve([]);
    return this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT r.image_digest AS digest, bool_or(r.running) AS running, min(r.first_seen) AS first_seen, max(r.last_seen) AS last_seen,
                array_agg(DISTINCT r.image_ref) AS refs, array_agg(DISTINCT r.cluster_id::text) AS cluster_ids
           FROM workload_image_runs r
          WHERE r.org_id = $1 AND r.image_digest = ANY($2::text[]) AND ($3::uuid[] IS NULL OR r.cluster_id = ANY($3::uuid[]))
          GROUP BY r.image_digest`,
        [orgId, digests, clusterIds],
      ),
    );
  }

  /**
   * Of these digests the org observed, those without an SBOM it can use, each
   * with its most recently seen reference (where the sbom job reads content).
   */
  withoutSbom(orgId: string, digests: readonly string[]): Promise<{ digest: string; ref: string }[]> {
    if (digests.length === 0) return Promise.resolve([]);
    return this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT i.digest, r.ref FROM images i
           CROSS JOIN LATERAL (SELECT ref FROM image_references r WHERE r.org_id = i.org_id AND r.digest = i.digest ORDER BY r.last_seen DESC LIMIT 1) r
          WHERE i.org_id = $1 AND i.digest = ANY($2::text[])
            AND NOT EXISTS (SELECT 1 FROM image_sboms s WHERE s.digest = i.digest)
          ORDER BY i.digest`,
        [orgId, digests],
      ),
    );
  }

  /**
   * The sbom sweep's slice: the org's images after `after` (keyset on the
   * images primary key, at most `scan` rows read), those running somewhere and
   * without an SBOM the org can use. `last` is where the next slice starts
   * (null: the end was reached).
   */
  async runningWithoutSbom(orgId: string, after: string, scan: number): Promise<{ images: { digest: string; ref: string }[]; scanned: number; last: string | null }> {
    const rows: { digest: string; ref: string | null; wanted: boolean }[] = await this.database.forOrg(orgId, (m) =>
      m.query(
        `WITH slice AS (SELECT i.org_id, i.digest FROM images i WHERE i.org_id = $1 AND i.digest > $2 ORDER BY i.digest LIMIT $3)
         SELECT s.digest,
                (SELECT ref FROM image_references r WHERE r.org_id = s.org_id AND r.digest = s.digest ORDER BY r.last_seen DESC LIMIT 1) AS ref,
                (EXISTS (SELECT 1 FROM observations o WHERE o.org_id = s.org_id AND o.image_digest = s.digest AND o.running)
                 AND NOT EXISTS (SELECT 1 FROM image_sboms b WHERE b.digest = s.digest)) AS wanted
           FROM slice s ORDER BY s.digest`,
        [orgId, after, scan],
      ),
    );
    return {
      images: rows.filter((r) => r.wanted && r.ref !== null).map((r) => ({ digest: r.digest, ref: r.ref! })),
      scanned: rows.length,
      last: rows.length < scan ? null : rows[rows.length - 1].digest,
    };
  }

  /** Cross-org (SECURITY DEFINER): the orgs that have clusters, i.e. may run images. */
  async orgsWithClusters(): Promise<string[]> {
    const rows: { org_id: string }[] = await this.database.platform((m) => m.query('SELECT org_id FROM vigil_orgs_with_clusters() ORDER BY org_id'));
    return rows.map((r) => r.org_id);
  }
}
