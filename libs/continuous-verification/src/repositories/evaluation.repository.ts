import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';
import type { EvaluationWrite, StoredEvaluation } from '../core/verification.types';

/** `evaluations`: the latest result per (cluster, digest, policy). Set-based writes, one statement each. */
@Injectable()
export class EvaluationRepository {
  constructor(private readonly database: Database) {}

  async forDigests(orgId: string, clusterId: string, digests: readonly string[]): Promise<StoredEvaluation[]> {
    const rows: { image_digest: string; policy_id: string; generation: string; policy_name: string; revision: number; valid: boolean; transitions: number }[] =
      await this.database.forOrg(orgId, (m) =>
        m.query(
          `SELECT image_digest, policy_id, generation, policy_name, revision, valid, transitions FROM evaluations
            WHERE org_id = $1 AND cluster_id = $2 AND image_digest = ANY($3::text[])`,
          [orgId, clusterId, digests],
        ),
      );
    return rows.map((r) => ({ digest: r.image_digest, policyId: r.policy_id, generation: r.generation, policyName: r.policy_name, revision: r.revision, valid: r.valid, transitions: r.transitions }));
  }

  /** `forDigests` for pairs across clusters. */
  async forPairs(orgId: string, pairs: readonly { clusterId: string; digest: string }[]): Promise<(StoredEvaluation & { clusterId: string })[]> {
    if (pairs.length === 0) return [];
    const rows: { cluster_id: string; image_digest: string; policy_id: string; generation: string; policy_name: string; revision: number; valid: boolean; transitions: number }[] =
      await this.database.forOrg(orgId, (m) =>
        m.query(
          `SELECT e.cluster_id, e.image_digest, e.policy_id, e.generation, e.policy_name, e.revision, e.valid, e.transitions
             FROM evaluations e JOIN unnest($2::uuid[], $3::text[]) AS p(c, d) ON e.cluster_id = p.c AND e.image_digest = p.d
            WHERE e.org_id = $1`,
          [orgId, pairs.map((p) => p.clusterId), pairs.map((p) => p.digest)],
        ),
      );
    return rows.map((r) => ({
      clusterId: r.cluster_id,
      digest: r.image_digest,
      policyId: r.policy_id,
      generation: r.generation,
      policyName: r.policy_name,
      revision: r.revision,
      valid: r.valid,
      transitions: r.transitions,
    }));
  }

  /** (cluster, digest) pairs that have a result of this policy (what its old revisions matched). */
  async pairsOfPolicy(orgId: string, policyId: string): Promise<{ clusterId: string; digest: string }[]> {
    const rows: { cluster_id: string; image_digest: string }[] = await this.database.forOrg(orgId, (m) =>
      m.query(`SELECT cluster_id, image_digest FROM evaluations WHERE org_id = $1 AND policy_id = $2`, [orgId, policyId]),
    );
    return rows.map((r) => ({ clusterId: r.cluster_id, digest: r.image_digest }));
  }

  async write(orgId: string, clusterId: string, writes: readonly EvaluationWrite[], removals: readonly { digest: string; policyId: string }[], checkedAt: Date): Promise<void> {
    await this.writeMany(
      orgId,
      writes.map((w) => ({ ...w, clusterId })),
      removals.map((r) => ({ ...r, clusterId })),
      checkedAt,
    );
  }

  /** `write` for results across clusters: still one statement each. */
  async writeMany(
    orgId: string,
    writes: readonly (EvaluationWrite & { clusterId: string })[],
    removals: readonly { clusterId: string; digest: string; policyId: string }[],
    checkedAt: Date,
  ): Promise<void> {
    await this.database.forOrg(orgId, async (m) => {
      if (writes.length > 0) {
        await m.query(
          `INSERT INTO evaluations (org_id, cluster_id, image_digest, policy_id, generation, policy_name, revision, mode, image_ref, valid, diagnostic, reasons,
                                    transitions, first_checked, last_checked, changed_at)
           SELECT $1, w.cluster_id, w.digest, w.policy_id, w.generation, w.policy_name, w.revision, w.mode, w.image_ref, w.valid, w.diagnostic, w.reasons,
                  w.transitions, $3, $3, $3
             FROM jsonb_to_recordset($2::jsonb) AS w(cluster_id uuid, digest text, policy_id uuid, generation uuid, policy_name text, revision int, mode text, image_ref text,
                                                    valid boolean, diagnostic text, reasons jsonb, transitions int, changed boolean)
           ON CONFLICT (org_id, cluster_id, image_digest, policy_id) DO UPDATE
             SET policy_name = EXCLUDED.policy_name, revision = EXCLUDED.revision, mode = EXCLUDED.mode, image_ref = EXCLUDED.image_ref,
                 valid = EXCLUDED.valid, diagnostic = EXCLUDED.diagnostic, reasons = EXCLUDED.reasons, transitions = EXCLUDED.transitions,
                 last_checked = EXCLUDED.last_checked,
                 changed_at = CASE WHEN evaluations.valid IS DISTINCT FROM EXCLUDED.valid THEN EXCLUDED.changed_at ELSE evaluations.changed_at END`,
          [
            orgId,
            JSON.stringify(
              writes.map((w) => ({
                cluster_id: w.clusterId,
                digest: w.digest,
                policy_id: w.policyId,
                generation: w.generation,
                policy_name: w.policyName,
                revision: w.revision,
                mode: w.mode,
                image_ref: w.imageRef,
                valid: w.valid,
                diagnostic: w.diagnostic,
                reasons: w.reasons,
                transitions: w.transitions,
                changed: w.changed,
              })),
            ),
            checkedAt,
          ],
        );
      }
      if (removals.length > 0) {
        await m.query(
          `DELETE FROM evaluations e USING unnest($2::uuid[], $3::text[], $4::uuid[]) AS r(cluster_id, digest, policy_id)
            WHERE e.org_id = $1 AND e.cluster_id = r.cluster_id AND e.image_digest = r.digest AND e.policy_id = r.policy_id`,
          [orgId, removals.map((r) => r.clusterId), removals.map((r) => r.digest), removals.map((r) => r.policyId)],
        );
      }
    });
  }
}
