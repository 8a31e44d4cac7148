import { Injectable } from '@nestjs/common';
import { Database, queryRows } from '@vigil/shared/database';
import { type Advisory, parseEcosystem } from '@vigil/supply-chain';
import type { EntityManager } from 'typeorm';
import { AdvisoryEntity } from '../entities';

export interface UpsertOutcome {
  inserted: string[];
  updated: string[];
  /** The highest revision this upsert gave out ('0' when nothing changed). */
  revision: string;
}

export interface StoredAdvisory {
  id: string;
  revision: string;
  record: Advisory;
}

// Serialises imports: revisions are then handed out in commit order (see the migration).
const IMPORT_LOCK = `SELECT pg_advisory_xact_lock(hashtext('vigil.advisories.import'))`;

/** Platform-wide advisory storage. Every method runs in a platform transaction (no tenant). */
@Injectable()
export class AdvisoryRepository {
  constructor(private readonly database: Database) {}

  /**
   * Inserts new ids, replaces stored ones whose `modified` is older, leaves the
   * rest untouched, and marks what changed as due for re-matching
   * (`advisory_matches_due`); one transaction under the import lock. Ids must be unique.
   */
  upsert(advisories: readonly Advisory[]): Promise<UpsertOutcome> {
    if (advisories.length === 0) return Promise.resolve({ inserted: [], updated: [], revision: '0' });
    return this.database.platform(async (m) => {
      await m.query(IMPORT_LOCK);
      const rows = advisories.map((a) => ({
        id: a.id,
        modified: a.modified,
        published: a.published ?? null,
        withdrawn: a.withdrawn ?? null,
        aliases: a.aliases,
        upstream: a.upstream,
        summary: a.summary ?? null,
        severity_level: a.severity.level,
        severity: a.severity,
        record: a,
      }));
      const { rows: changed } = await queryRows<{ id: string; inserted: boolean; revision: string }>(
        m,
        `INSERT INTO advisories (id, modified, published, withdrawn, aliases, upstream, summary, severity_level, severity, record)
         SELECT x.id, x.modified, x.published, x.withdrawn,
                ARRAY(SELECT jsonb_array_elements_text(x.aliases)), ARRAY(SELECT jsonb_array_elements_text(x.upstream)),
                x.summary, x.severity_level, x.severity, x.record
           FROM jsonb_to_recordset($1::jsonb) AS x(id text, modified timestamptz, published timestamptz, withdrawn timestamptz,
                aliases jsonb, upstream jsonb, summary text, severity_level text, severity jsonb, record jsonb)
         ON CONFLICT (id) DO UPDATE
            SET modified = EXCLUDED.modified, published = EXCLUDED.published, withdrawn = EXCLUDED.withdrawn,
                aliases = EXCLUDED.aliases, upstream = EXCLUDED.upstream, summary = EXCLUDED.summary,
                severity_level = EXCLUDED.severity_level, severity = EXCLUDED.severity, record = EXCLUDED.record,
                revision = nextval('advisory_revision_seq'), updated_at = now()
          WHERE advisories.modified < EXCLUDED.modified
         RETURNING id, (xmax = 0) AS inserted, revision::text AS revision`,
        [JSON.stringify(rows)],
      );
      const ids = new Set(changed.map((r) => r.id));
      if (ids.size) {
        await this.replaceAffected(m, advisories.filter((a) => ids.has(a.id)));
        await m.query(
          `INSERT INTO advisory_matches_due (advisory_id, revision) SELECT * FROM unnest($1::text[], $2::bigint[]) ORDER BY 1
           ON CONFLICT (advisory_id) DO UPDATE
              SET revision = EXCLUDED.revision, due_at = now(), claimed_until = NULL, failures = 0, last_error = NULL, failed_at = NULL`,
          [changed.map((r) => r.id), changed.map((r) => r.revision)],
        );
      }
      const revision = changed.reduce((max, r) => (BigInt(r.revision) > BigInt(max) ? r.revision : max), '0');
      return { inserted: changed.filter((r) => r.inserted).map((r) => r.id), updated: changed.filter((r) => !r.inserted).map((r) => r.id), revision };
    });
  }

  /** Withdrawn records keep their row (so an older copy cannot come back) but claim no packages. */
  private async replaceAffected(m: EntityManager, advisories: readonly Advisory[]): Promise<void> {
    await m.query(`DELETE FROM affected_packages WHERE advisory_id = ANY($1::text[])`, [advisories.map((a) => a.id)]);
    const rows = advisories
      .filter((a) => a.withdrawn === undefined)
      .flatMap((a) =>
        a.affected.map((p, ordinal) => {
          const { family, release } = parseEcosystem(p.ecosystem);
          return { advisory_id: a.id, ordinal, ecosystem: p.ecosystem, ecosystem_family: family, ecosystem_release: release ?? null, package_name: p.name };
        }),
      );
    if (rows.length === 0) return;
    await m.query(
      `INSERT INTO affected_packages (advisory_id, ordinal, ecosystem, ecosystem_family, ecosystem_release, package_name)
       SELECT * FROM jsonb_to_recordset($1::jsonb)
         AS x(advisory_id text, ordinal integer, ecosystem text, ecosystem_family text, ecosystem_release text, package_name text)`,
      [JSON.stringify(rows)],
    );
  }

  async maxRevision(): Promise<string> {
    const rows: { revision: string | null }[] = await this.database.platform((m) => m.query(`SELECT max(revision)::text AS revision FROM advisories`));
    return rows[0]?.revision ?? '0';
  }

  /** Records changed after `revision`, oldest first, at most `limit`. */
  loadSince(revision: string, limit: number): Promise<StoredAdvisory[]> {
    return this.database.platform((m) =>
      m.query(`SELECT id, revision::text AS revision, record FROM advisories WHERE revision > $1 ORDER BY revision LIMIT $2`, [revision, limit]),
    );
  }

  /** The record with this id, and the records that name it as an alias or upstream id. */
  findByIdOrAlias(id: string): Promise<AdvisoryEntity[]> {
    return this.database.platform((m) =>
      m
        .createQueryBuilder(AdvisoryEntity, 'a')
        .where('a.id = :id OR a.aliases @> ARRAY[:id]::text[] OR a.upstream @> ARRAY[:id]::text[]', { id })
        .orderBy('a.id')
        .limit(1000)
        .getMany(),
    );
  }
}
