import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export type SbomSource = 'catalog' | 'upload' | 'attachment' | 'attestation';

/**
 * The SBOM of an image digest. `orgId` null: derived from the image's own
 * layers and shared by every tenant; otherwise supplied by (and visible to)
 * that org only (see the SupplyChain migration for why).
 */
@Entity({ name: 'image_sboms' })
export class ImageSbomEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('text')
  digest: string;

  @Column('uuid', { name: 'org_id', nullable: true })
  orgId: string | null;

  @Column('text')
  source: SbomSource;

  /** The uploaded document's format, or `catalog` when Vigil read the layers. */
  @Column('text')
  format: 'spdx' | 'cyclonedx' | 'catalog';

  @Column('text', { name: 'spec_version', nullable: true })
  specVersion: string | null;

  @Column('text', { name: 'document_name', nullable: true })
  documentName: string | null;

  @Column('text', { nullable: true })
  distro: string | null;

  @Column('integer', { name: 'package_count' })
  packageCount: number;

  @Column('integer', { name: 'skipped_count' })
  skippedCount: number;

  /** The advisory revision the stored matches reflect. */
  @Column('bigint', { name: 'advisory_revision' })
  advisoryRevision: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

@Entity({ name: 'image_packages' })
export class ImagePackageEntity {
  @PrimaryColumn('bigint', { name: 'sbom_id' })
  sbomId: string;

  @PrimaryColumn('integer')
  ordinal: number;

  @Column('uuid', { name: 'org_id', nullable: true })
  orgId: string | null;

  @Column('text')
  digest: string;

  @Column('text')
  name: string;

  @Column('text')
  version: string;

  @Column('text')
  purl: string;

  @Column('text')
  type: string;

  @Column('text')
  ecosystem: string;

  @Column('text', { name: 'ecosystem_family' })
  ecosystemFamily: string;

  @Column('text', { name: 'lookup_name' })
  lookupName: string;

  @Column('text', { name: 'source_name', nullable: true })
  sourceName: string | null;

  @Column('text', { name: 'source_version', nullable: true })
  sourceVersion: string | null;

  @Column('text', { array: true })
  licenses: string[];
}

/** A stored match: one advisory group affecting one package of one SBOM. */
@Entity({ name: 'image_vulnerabilities' })
export class ImageVulnerabilityEntity {
  @PrimaryColumn('bigint', { name: 'sbom_id' })
  sbomId: string;

  @PrimaryColumn('integer', { name: 'package_ordinal' })
  packageOrdinal: number;

  @PrimaryColumn('text', { name: 'advisory_id' })
  advisoryId: string;

  @Column('uuid', { name: 'org_id', nullable: true })
  orgId: string | null;

  @Column('text')
  digest: string;

  @Column('text', { array: true })
  ids: string[];

  @Column('text', { array: true })
  aliases: string[];

  @Column('text', { name: 'severity_level' })
  severityLevel: string;

  @Column('jsonb')
  severity: { level: string; score?: number; vector?: string };

  @Column('text', { name: 'fixed_version', nullable: true })
  fixedVersion: string | null;

  @Column('text', { nullable: true })
  summary: string | null;

  @Column('text', { name: 'package_name' })
  packageName: string;

  @Column('text', { name: 'package_version' })
  packageVersion: string;

  @Column('text', { name: 'package_purl' })
  packagePurl: string;

  @Column('text', { name: 'package_ecosystem' })
  packageEcosystem: string;
}
