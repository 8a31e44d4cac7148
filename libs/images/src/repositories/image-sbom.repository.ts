import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';
import type { EntityManager } from 'typeorm';
import { ImagePackageEntity, ImageSbomEntity, ImageVulnerabilityEntity, type SbomSource } from '../entities';

export interface NewSbom {
  digest: string;
  /** null: content-derived, shared by every tenant. */
  orgId: string | null;
  source: SbomSource;
  format: ImageSbomEntity['format'];
  specVersion?: string;
  documentName?: string;
  distro?: string;
  skippedCount: number;
}

export type NewPackage = Omit<ImagePackageEntity, 'sbomId' | 'orgId' | 'digest'>;
export type NewMatch = Omit<ImageVulnerabilityEntity, 'sbomId' | 'orgId' | 'digest'>;

/**
 * SBOMs, packages and stored matches. Shared rows (org null) are written in a
 * platform transaction or an org's (RLS lets either write them); an org's own
 * rows only in that org's transaction.
 */
@Injectable()
export class ImageSbomRepository {
  constructor(private readonly database: Database) {}

  private run<T>(orgId: string | null, work: (m: EntityManager) => Promise<T>): Promise<T> {
    return orgId ? this.database.forOrg(orgId, work) : this.database.platform(work);
  }

  /** The SBOMs an org may use for a digest: the shared one and its own, its own first. */
  forDigest(orgId: string, digest: string): Promise<ImageSbomEntity[]> {
    return this.database.forOrg(orgId, (m) =>
      m
        .createQueryBuilder(ImageSbomEntity, 's')
        .where('s.digest = :digest AND (s.org_id IS NULL OR s.org_id = :orgId)', { digest, orgId })
        .orderBy('s.org_id IS NULL', 'ASC')
        .getMany(),
    );
  }

  /** Replaces the SBOM (same digest and owner), its packages and its matches in one transaction. */
  save(sbom: NewSbom, packages: readonly NewPackage[], matches: readonly NewMatch[], advisoryRevision: string): Promise<ImageSbomEntity> {
    return this.run(sbom.orgId, async (m) => {
      const rows: ImageSbomEntity[] = await m.query(
        `INSERT INTO image_sboms (digest, org_id, source, format, spec_version, document_name, distro, package_count, skipped_count, advisory_revision)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (digest, org_id) DO UPDATE
            SET source = EXCLUDED.source, format = EXCLUDED.format, spec_version = EXCLUDED.spec_version,
                document_name = EXCLUDED.document_name, distro = EXCLUDED.distro, package_count = EXCLUDED.package_count,
                skipped_count = EXCLUDED.skipped_count, advisory_revision = EXCLUDED.advisory_revision, updated_at = now()
         RETURNING id`,
        [sbom.digest, sbom.orgId, sbom.source, sbom.format, sbom.specVersion ?? null, sbom.documentName ?? null, sbom.distro ?? null, packages.length, sbom.skippedCount, advisoryRevision],
      );
      const sbomId = String((rows[0] as unknown as { id: string }).id);
      await m.query(`DELETE FROM image_vulnerabilities WHERE sbom_id = $1`, [sbomId]);
      await m.query(`DELETE FROM image_packages WHERE sbom_id = $1`, [sbomId]);
      await this.insertPackages(m, sbomId, sbom, packages);
      await this.insertMatches(m, sbomId, sbom.orgId, sbom.digest, matches);
      return m.findOneByOrFail(ImageSbomEntity, { id: sbomId });
    });
  }

  packages(orgId: string | null, sbomId: string): Promise<ImagePackageEntity[]> {
    return this.run(orgId, (m) => m.find(ImagePackageEntity, { where: { sbomId }, order: { ordinal: 'ASC' } }));
  }

  vulnerabilities(orgId: string, sbomIds: string[]): Promise<ImageVulnerabilityEntity[]> {
    if (sbomIds.length === 0) return Promise.resolve([]);
    return this.database.forOrg(orgId, (m) =>
      m
        .createQueryBuilder(ImageVulnerabilityEntity, 'v')
        .where('v.sbom_id = ANY(:sbomIds::bigint[]) AND (v.org_id IS NULL OR v.org_id = :orgId)', { sbomIds, orgId })
        .orderBy('v.advisory_id')
        .addOrderBy('v.package_ordinal')
        .getMany(),
    );
  }

  /** Swaps the stored matches of one SBOM for a fresh set (after advisories changed). */
  replaceMatches(sbom: Pick<ImageSbomEntity, 'id' | 'orgId' | 'digest'>, matches: readonly NewMatch[], advisoryRevision: string): Promise<void> {
    return this.run(sbom.orgId, async (m) => {
      // Two re-matches of one SBOM (two jobs, or a re-match beside a fresh store) would insert the same keys.
      await m.query(`SELECT 1 FROM image_sboms WHERE id = $1 FOR UPDATE`, [sbom.id]);
      await m.query(`DELETE FROM image_vulnerabilities WHERE sbom_id = $1`, [sbom.id]);
      await this.insertMatches(m, sbom.id, sbom.orgId, sbom.digest, matches);
      await m.query(`UPDATE image_sboms SET advisory_revision = GREATEST(advisory_revision, $2), updated_at = now() WHERE id = $1`, [sbom.id, advisoryRevision]);
    });
  }

  /** Which SBOMs an advisory change can affect, across tenants (ids and owners only; SECURITY DEFINER). */
  async affectedBy(advisoryIds: readonly string[]): Promise<{ sbomId: string; orgId: string | null }[]> {
    const rows: { sbom_id: string; org_id: string | null }[] = await this.database.platform((m) =>
      m.query(`SELECT sbom_id::text AS sbom_id, org_id FROM vigil_sboms_to_rematch($1::text[])`, [advisoryIds]),
    );
    return rows.map((r) => ({ sbomId: r.sbom_id, orgId: r.org_id }));
  }

  findById(orgId: string | null, sbomId: string): Promise<ImageSbomEntity | null> {
    return this.run(orgId, (m) => m.findOneBy(ImageSbomEntity, { id: sbomId }));
  }

  /** The SBOMs an org may use for these digests (ids and owners only), its own first per digest. */
  usableFor(orgId: string, digests: readonly string[]): Promise<{ id: string; digest: string; orgId: string | null }[]> {
    if (digests.length === 0) return Promise.resolve([]);
    return this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT id::text AS id, digest, org_id AS "orgId" FROM image_sboms
          WHERE digest = ANY($1::text[]) AND (org_id IS NULL OR org_id = $2)
          ORDER BY digest, org_id IS NULL, id`,
        [digests, orgId],
      ),
    );
  }

  /** Name, version and purl of the packages of these SBOMs, in SBOM order (what policies read). */
  packageFacts(orgId: string, sbomIds: readonly string[]): Promise<{ sbomId: string; name: string; version: string; purl: string }[]> {
    if (sbomIds.length === 0) return Promise.resolve([]);
    return this.database.forOrg(orgId, (m) =>
      m.query(
        `SELECT sbom_id::text AS "sbomId", name, version, purl FROM image_packages
          WHERE sbom_id = ANY($1::bigint[]) AND (org_id IS NULL OR org_id = $2)
          ORDER BY sbom_id, ordinal`,
        [sbomIds, orgId],
      ),
    );
  }

  /** The stored matches of one SBOM, as comparable keys (to tell whether a re-match changed anything). */
  async matchKeys(sbom: Pick<ImageSbomEntity, 'id' | 'orgId'>): Promise<string[]> {
    const rows: ImageVulnerabilityEntity[] = await this.run(sbom.orgId, (m) => m.find(ImageVulnerabilityEntity, { where: { sbomId: sbom.id } }));
    return rows.map(matchKey);
  }

  private async insertPackages(m: EntityManager, sbomId: string, sbom: NewSbom, packages: readonly NewPackage[]): Promise<void> {
    for (let i = 0; i < packages.length; i += 5000) {
      const chunk = packages.slice(i, i + 5000).map((p) => ({
        ordinal: p.ordinal, name: p.name, version: p.version, purl: p.purl, type: p.type, ecosystem: p.ecosystem,
        ecosystem_family: p.ecosystemFamily, lookup_name: p.lookupName, source_name: p.sourceName, source_version: p.sourceVersion, licenses: p.licenses,
      }));
      await m.query(
        `INSERT INTO image_packages (sbom_id, ordinal, org_id, digest, name, version, purl, type, ecosystem, ecosystem_family, lookup_name, source_name, source_version, licenses)
         SELECT $1, x.ordinal, $2, $3, x.name, x.version, x.purl, x.type, x.ecosystem, x.ecosystem_family, x.lookup_name, x.source_name, x.source_version,
                ARRAY(SELECT jsonb_array_elements_text(x.licenses))
           FROM jsonb_to_recordset($4::jsonb) AS x(ordinal integer, name text, version text, purl text, type text, ecosystem text,
                ecosystem_family text, lookup_name text, source_name text, source_version text, licenses jsonb)`,
        [sbomId, sbom.orgId, sbom.digest, JSON.stringify(chunk)],
      );
    }
  }

  private async insertMatches(m: EntityManager, sbomId: string, orgId: string | null, digest: string, matches: readonly NewMatch[]): Promise<void> {
    for (let i = 0; i < matches.length; i += 5000) {
      const chunk = matches.slice(i, i + 5000).map((v) => ({
        package_ordinal: v.packageOrdinal, advisory_id: v.advisoryId, ids: v.ids, aliases: v.aliases, severity_level: v.severityLevel,
        severity: v.severity, fixed_version: v.fixedVersion, summary: v.summary, package_name: v.packageName, package_version: v.packageVersion,
        package_purl: v.packagePurl, package_ecosystem: v.packageEcosystem,
      }));
      await m.query(
        `INSERT INTO image_vulnerabilities (sbom_id, package_ordinal, advisory_id, org_id, digest, ids, aliases, severity_level, severity, fixed_version, summary,
                                            package_name, package_version, package_purl, package_ecosystem)
         SELECT $1, x.package_ordinal, x.advisory_id, $2, $3, ARRAY(SELECT jsonb_array_elements_text(x.ids)), ARRAY(SELECT jsonb_array_elements_text(x.aliases)),
                x.severity_level, x.severity, x.fixed_version, x.summary, x.package_name, x.package_version, x.package_purl, x.package_ecosystem
           FROM jsonb_to_recordset($4::jsonb) AS x(package_ordinal integer, advisory_id text, ids jsonb, aliases jsonb, severity_level text, severity jsonb,
                fixed_version text, summary text, package_name text, package_version text, package_purl text, package_ecosystem text)`,
        [sbomId, orgId, digest, JSON.stringify(chunk)],
      );
    }
    if (matches.length) {
      await m.query(
        `INSERT INTO image_vulnerability_ids (id, sbom_id, package_ordinal, advisory_id, org_id, digest)
         SELECT DISTINCT unnest(v.ids), v.sbom_id, v.package_ordinal, v.advisory_id, v.org_id, v.digest FROM image_vulnerabilities v WHERE v.sbom_id = $1`,
        [sbomId],
      );
    }
  }
}

/** What a policy can see of a match: a change in any of these is worth re-verifying. */
export function matchKey(v: Pick<ImageVulnerabilityEntity, 'packageOrdinal' | 'advisoryId' | 'aliases' | 'severityLevel' | 'fixedVersion'>): string {
  return JSON.stringify([v.packageOrdinal, v.advisoryId, [...v.aliases].sort(), v.severityLevel, v.fixedVersion ?? null]);
}
