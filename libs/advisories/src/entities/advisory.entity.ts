import type { Advisory, AdvisorySeverity } from '@vigil/supply-chain';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An imported OSV record, platform-wide; `record` is the normalised form the matcher is built from. */
@Entity({ name: 'advisories' })
export class AdvisoryEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('timestamptz')
  modified: Date;

  @Column('timestamptz', { nullable: true })
  published: Date | null;

  @Column('timestamptz', { nullable: true })
  withdrawn: Date | null;

  @Column('text', { array: true })
  aliases: string[];

  @Column('text', { array: true })
  upstream: string[];

  @Column('text', { nullable: true })
  summary: string | null;

  @Column('text', { name: 'severity_level' })
  severityLevel: string;

  @Column('jsonb')
  severity: AdvisorySeverity;

  @Column('jsonb')
  record: Advisory;

  @Column('bigint')
  revision: string;

  @Column('timestamptz', { name: 'imported_at' })
  importedAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}

/** One `affected[]` entry of an advisory, keyed the way packages are looked up. */
@Entity({ name: 'affected_packages' })
export class AffectedPackageEntity {
  @PrimaryColumn('text', { name: 'advisory_id' })
  advisoryId: string;

  @PrimaryColumn('integer')
  ordinal: number;

  @Column('text')
  ecosystem: string;

  @Column('text', { name: 'ecosystem_family' })
  ecosystemFamily: string;

  @Column('text', { name: 'ecosystem_release', nullable: true })
  ecosystemRelease: string | null;

  @Column('text', { name: 'package_name' })
  packageName: string;
}
