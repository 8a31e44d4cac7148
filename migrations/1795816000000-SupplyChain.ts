import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Advisories (OSV, platform-wide), image SBOMs with their normalised packages
 * and vulnerability matches, and the indexes behind the exposure and package
 * search queries (libs/images exposure.repository.ts).
 *
 * SBOM rows with `org_id IS NULL` are derived from image content (cataloged
 * layers) and shared by every tenant that runs the digest. Rows with an org
 * came from that org (an upload, an attached `.sbom`, a verified attestation):
 * anyone who can push a tag can attach an SBOM to any digest, so such a
 * document must never speak for another tenant's copy of the image.
 */
export class SupplyChain1795816000000 implements MigrationInterface {
  name = 'SupplyChain1795816000000';

  async up(q: QueryRunner): Promise<void> {
    // Imports are serialised (advisory lock), so revisions grow in commit order and
    // an index refresh can read "everything after revision N" without missing rows.
    await q.query(`CREATE SEQUENCE advisory_revision_seq`);
    await q.query(`
      CREATE TABLE advisories (
        id text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 200),
        modified timestamptz NOT NULL,
        published timestamptz,
        withdrawn timestamptz,
        aliases text[] NOT NULL DEFAULT '{}',
        upstream text[] NOT NULL DEFAULT '{}',
        summary text,
        severity_level text NOT NULL CHECK (severity_level IN ('critical', 'high', 'medium', 'low', 'unknown')),
        severity jsonb NOT NULL,
        -- the normalised record (libs/supply-chain Advisory) the in-process matcher is built from
        record jsonb NOT NULL,
        revision bigint NOT NULL DEFAULT nextval('advisory_revision_seq'),
        imported_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX advisories_revision ON advisories (revision)`);
    // "Asking for the CVE finds the GHSA / distro advisory": one GIN probe each.
    await q.query(`CREATE INDEX advisories_aliases ON advisories USING gin (aliases)`);
    await q.query(`CREATE INDEX advisories_upstream ON advisories USING gin (upstream)`);

    await q.query(`
      CREATE TABLE affected_packages (
        advisory_id text NOT NULL REFERENCES advisories(id) ON DELETE CASCADE,
        ordinal integer NOT NULL,
        ecosystem text NOT NULL,
        ecosystem_family text NOT NULL,
        ecosystem_release text,
        package_name text NOT NULL,
        PRIMARY KEY (advisory_id, ordinal)
      )`);
    await q.query(`CREATE INDEX affected_packages_lookup ON affected_packages (ecosystem_family, package_name)`);

    await q.query(`
      CREATE TABLE image_sboms (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        digest text NOT NULL CHECK (digest ~ '^sha256:[0-9a-f]{64}$'),
        org_id uuid REFERENCES organizations(id) ON DELETE CASCADE,
        source text NOT NULL CHECK (source IN ('catalog', 'upload', 'attachment', 'attestation')),
        format text NOT NULL CHECK (format IN ('spdx', 'cyclonedx', 'catalog')),
        spec_version text,
        document_name text,
        distro text,
        package_count integer NOT NULL,
        skipped_count integer NOT NULL DEFAULT 0,
        advisory_revision bigint NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE NULLS NOT DISTINCT (digest, org_id)
      )`);
    await q.query(`CREATE INDEX image_sboms_org ON image_sboms (org_id, digest) WHERE org_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE image_packages (
        sbom_id bigint NOT NULL REFERENCES image_sboms(id) ON DELETE CASCADE,
        ordinal integer NOT NULL,
        org_id uuid,
        digest text NOT NULL,
        name text NOT NULL,
        version text NOT NULL,
        purl text NOT NULL,
        type text NOT NULL,
        ecosystem text NOT NULL,
        ecosystem_family text NOT NULL,
        -- normalised name (PEP 503 for PyPI) and source name: what advisories are keyed by
        lookup_name text NOT NULL,
        source_name text,
        source_version text,
        licenses text[] NOT NULL DEFAULT '{}',
        PRIMARY KEY (sbom_id, ordinal)
      )`);
    await q.query(`CREATE INDEX image_packages_lookup ON image_packages (ecosystem_family, lookup_name)`);
    await q.query(`CREATE INDEX image_packages_source ON image_packages (ecosystem_family, source_name) WHERE source_name IS NOT NULL`);

    // Matches are stored per SBOM so exposure is an index probe, not a re-match.
    // `ids` is the merged alias group: the representative id, every member record's
    // id and aliases, and their upstream ids.
    await q.query(`
      CREATE TABLE image_vulnerabilities (
        sbom_id bigint NOT NULL REFERENCES image_sboms(id) ON DELETE CASCADE,
        package_ordinal integer NOT NULL,
        advisory_id text NOT NULL,
        org_id uuid,
        digest text NOT NULL,
        ids text[] NOT NULL,
        aliases text[] NOT NULL,
        severity_level text NOT NULL,
        severity jsonb NOT NULL,
        fixed_version text,
        summary text,
        package_name text NOT NULL,
        package_version text NOT NULL,
        package_purl text NOT NULL,
        package_ecosystem text NOT NULL,
        PRIMARY KEY (sbom_id, package_ordinal, advisory_id)
      )`);
    await q.query(`CREATE INDEX image_vulnerabilities_ids ON image_vulnerabilities USING gin (ids)`);
    await q.query(`CREATE INDEX image_vulnerabilities_digest ON image_vulnerabilities (digest)`);
    // The same ids, one row each, for tenant queries: under row-level security only leakproof
    // operators can drive an index scan, and array overlap (&&) is not leakproof while text
    // equality is, so the GIN above serves only the SECURITY DEFINER re-match lookup.
    await q.query(`
      CREATE TABLE image_vulnerability_ids (
        id text NOT NULL,
        sbom_id bigint NOT NULL,
        package_ordinal integer NOT NULL,
        advisory_id text NOT NULL,
        org_id uuid,
        digest text NOT NULL,
        PRIMARY KEY (id, sbom_id, package_ordinal, advisory_id),
        FOREIGN KEY (sbom_id, package_ordinal, advisory_id) REFERENCES image_vulnerabilities (sbom_id, package_ordinal, advisory_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX image_vulnerability_ids_match ON image_vulnerability_ids (sbom_id, package_ordinal, advisory_id)`);

    // Exposure: per affected digest, the org's observations with everything the
    // answer needs, so the join is an index-only scan once the table is vacuumed.
    await q.query(`
      CREATE INDEX observations_exposure ON observations (org_id, image_digest)
        INCLUDE (cluster_id, namespace, workload_kind, workload_name, image_ref, first_seen, last_seen, running, active_during)`);

    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON advisories, affected_packages TO vigil_app`);
    await q.query(`GRANT USAGE ON SEQUENCE advisory_revision_seq TO vigil_app`);
    // Shared (org_id NULL) rows are visible to every tenant; an org's own rows only to it.
    for (const table of ['image_sboms', 'image_packages', 'image_vulnerabilities', 'image_vulnerability_ids']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await q.query(`
        CREATE POLICY tenant_isolation ON ${table}
          USING (org_id IS NULL OR org_id = vigil_current_org())
          WITH CHECK (org_id IS NULL OR org_id = vigil_current_org())`);
      await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO vigil_app`);
    }

    // Re-matching after an import spans tenants: this learns only which SBOMs (and whose)
    // a change can affect (same package key, or matched before); the work then runs per org.
    await q.query(`
      CREATE FUNCTION vigil_sboms_to_rematch(p_advisory_ids text[])
      RETURNS TABLE (sbom_id bigint, org_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT s.id, s.org_id FROM image_sboms s
         WHERE s.id IN (
           SELECT p.sbom_id FROM affected_packages a
             JOIN image_packages p ON p.ecosystem_family = a.ecosystem_family AND p.lookup_name = a.package_name
            WHERE a.advisory_id = ANY(p_advisory_ids)
           UNION
           SELECT p.sbom_id FROM affected_packages a
             JOIN image_packages p ON p.ecosystem_family = a.ecosystem_family AND p.source_name = a.package_name
            WHERE a.advisory_id = ANY(p_advisory_ids)
           UNION
           SELECT v.sbom_id FROM image_vulnerabilities v WHERE v.ids && p_advisory_ids)
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION vigil_sboms_to_rematch(text[]) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION vigil_sboms_to_rematch(text[]) TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS vigil_sboms_to_rematch(text[])`);
    await q.query(`DROP INDEX IF EXISTS observations_exposure`);
    await q.query(`DROP TABLE IF EXISTS image_vulnerability_ids, image_vulnerabilities, image_packages, image_sboms, affected_packages, advisories`);
    await q.query(`DROP SEQUENCE IF EXISTS advisory_revision_seq`);
  }
}
