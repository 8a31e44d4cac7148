import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';
import type { KeyFacts } from '../facts/key-facts';

export interface StoredKeyFacts {
  readonly keyId: string;
  readonly facts: KeyFacts;
}

/** The durable tier of the verification cache: what each key verified on each digest, per org. */
@Injectable()
export class VerifiedFactsRepository {
  constructor(private readonly database: Database) {}

  async find(orgId: string, digest: string, keys: readonly { fingerprint: string; hashAlgorithm: string }[]): Promise<StoredKeyFacts[]> {
    if (keys.length === 0) return [];
    const rows: { key_fingerprint: string; hash_algorithm: string; signatures: KeyFacts['signatures']; attestations: KeyFacts['attestations']; verified_at: Date }[] =
      await this.database.forOrg(orgId, (m) =>
        m.query(
          `SELECT f.key_fingerprint, f.hash_algorithm, f.signatures, f.attestations, f.verified_at
             FROM verified_image_facts f
             JOIN unnest($3::text[], $4::text[]) AS k(fingerprint, hash_algorithm)
               ON k.fingerprint = f.key_fingerprint AND k.hash_algorithm = f.hash_algorithm
            WHERE f.org_id = $1 AND f.digest = $2`,
          [orgId, digest, keys.map((k) => k.fingerprint), keys.map((k) => k.hashAlgorithm)],
        ),
      );
    return rows.map((r) => ({
      keyId: `${r.key_fingerprint}/${r.hash_algorithm}`,
      facts: { signatures: r.signatures, attestations: r.attestations, diagnostics: [], verifiedAt: r.verified_at.getTime() },
    }));
  }

  async upsert(orgId: string, digest: string, entries: readonly { fingerprint: string; hashAlgorithm: string; facts: KeyFacts }[]): Promise<void> {
    if (entries.length === 0) return;
    await this.database.forOrg(orgId, (m) =>
      m.query(
        `INSERT INTO verified_image_facts (org_id, digest, key_fingerprint, hash_algorithm, signatures, attestations, verified_at)
         SELECT $1, $2, e.fingerprint, e.hash_algorithm, e.signatures, e.attestations, e.verified_at
           FROM jsonb_to_recordset($3::jsonb) AS e(fingerprint text, hash_algorithm text, signatures jsonb, attestations jsonb, verified_at timestamptz)
         ON CONFLICT (org_id, digest, key_fingerprint, hash_algorithm)
         DO UPDATE SET signatures = EXCLUDED.signatures, attestations = EXCLUDED.attestations, verified_at = EXCLUDED.verified_at`,
        [
          orgId,
          digest,
          JSON.stringify(
            entries.map((e) => ({
              fingerprint: e.fingerprint,
              hash_algorithm: e.hashAlgorithm,
              signatures: e.facts.signatures,
              attestations: e.facts.attestations,
              verified_at: new Date(e.facts.verifiedAt).toISOString(),
            })),
          ),
        ],
      ),
    );
  }
}
