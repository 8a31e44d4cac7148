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
   * see the migration for why not the GIN), then the workload × image groups
   * that ran them (workload_images), in page order, each group's hull read
   * from its runs (workload_image_runs) by index probes, stopping after a page:
   *  - the last run that starts before `to` gives last_seen and running; if it
   *    does not reach past `from`, no run of the group overlaps the window
   *    (a group's runs are disjoint, so ordered by start they are ordered by
   *    end, and only the last can be running);
   *  - the first run overlapping the window gives first_seen: the last run
   *    starting at or before `from` if it reaches past it, else the first one
   *    starting after it (without `from`, the group's first run).
   * The page key is filtered on the groups, before any probe.
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
      keyset = `AND (g.cluster_id::text, g.namespace, g.workload_kind, g.workload_name, g.image_digest, g.image_ref, v.package_name, v.package_version)
                  > (${placeholders.join(', ')})`;
    }
    params.push(q.limit + 1);
    const sameGroup = `r.org_id = $1 AND r.image_digest = g.image_digest AND r.cluster_id = g.cluster_id AND r.namespace = g.namespace
                        AND r.workload_kind = g.workload_kind AND r.workload_name = g.workload_name AND r.image_ref = g.image_ref`;
    // Without `from` the first run is the answer: one probe fewer per group.
    const first = q.from
      ? `LEFT JOIN LATERAL (SELECT r.first_seen AS f, r.last_seen AS l, r.running FROM workload_image_runs r
                             WHERE ${sameGroup} AND r.first_seen <= $3::timestamptz ORDER BY r.first_seen DESC LIMIT 1) a1 ON true
         LEFT JOIN LATERAL (SELECT r.first_seen AS f FROM workload_image_runs r
                             WHERE ${sameGroup} AND r.first_seen > $3::timestamptz AND r.first_seen < $4::timestamptz ORDER BY r.first_seen LIMIT 1) a2 ON true`
      : `CROSS JOIN LATERAL (SELECT NULL::timestamptz AS f, NULL::timestamptz AS l, NULL::boolean AS running) a1
         CROSS JOIN LATERAL (SELECT r.first_seen AS f FROM workload_image_runs r
                              WHERE ${sameGroup} AND r.first_seen < $4::timestamptz ORDER BY r.first_seen LIMIT 1) a2`;
    // Runs store '' for "no workload"; the key compares '' exactly as it compared coalesce(kind, '') before.
    // The groups' sort key is projected so the outer ORDER BY matches it and the probes stop after a page.
    return this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT g.cluster_id, g.namespace, nullif(g.workload_kind, '') AS workload_kind, nullif(g.workload_name, '') AS workload_name, g.image_ref, g.image_digest,
                g.package_name, g.package_version, g.package_ecosystem,
                CASE WHEN a1.f IS NOT NULL AND (a1.running OR a1.l > $3::timestamptz) THEN a1.f ELSE a2.f END AS first_seen,
                z.l AS last_seen, z.running
           FROM (SELECT g.*, g.cluster_id::text AS cluster_key, v.package_name, v.package_version, v.package_ecosystem
                   FROM (SELECT DISTINCT x.digest, m.package_name, m.package_version, m.package_ecosystem
                           FROM image_vulnerability_ids x
                           JOIN image_vulnerabilities m ON m.sbom_id = x.sbom_id AND m.package_ordinal = x.package_ordinal AND m.advisory_id = x.advisory_id
                          WHERE x.id = ANY($2::text[]) AND (x.org_id IS NULL OR x.org_id = $1)) v
                   JOIN workload_images g ON g.org_id = $1 AND g.image_digest = v.digest
                  WHERE ($5::uuid[] IS NULL OR g.cluster_id = ANY($5::uuid[]))
                    ${keyset}
                  ORDER BY cluster_key, g.namespace, g.workload_kind, g.workload_name, g.image_digest, g.image_ref, v.package_name, v.package_version) g
          CROSS JOIN LATERAL (SELECT r.first_seen AS f, r.last_seen AS l, r.running FROM workload_image_runs r
                               WHERE ${sameGroup} AND r.first_seen < $4::timestamptz ORDER BY r.first_seen DESC LIMIT 1) z
          ${first}
          WHERE z.running OR z.l > greatest($3::timestamptz, z.f)
          ORDER BY g.cluster_key, g.namespace, g.workload_kind, g.workload_name, g.image_digest, g.image_ref, g.package_name, g.package_version
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
