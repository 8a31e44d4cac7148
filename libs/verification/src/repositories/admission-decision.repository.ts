import { Injectable } from '@nestjs/common';
import type { AgentNonce } from '@vigil/clusters';
import { Database } from '@vigil/shared/database';
import { AdmissionDecisionEntity } from '../entities';

export type NewAdmissionDecision = AdmissionDecisionEntity;

@Injectable()
export class AdmissionDecisionRepository {
  constructor(private readonly database: Database) {}

  /**
   * Decisions of one org, each with its request's nonce, in one statement
   * (vigil_record_admission_decisions): a decision is inserted only if its
   * nonce is new, and the answer says which were (the others are replays, to
   * be refused). Joins the caller's transaction of the org (a decision whose
   * event goes with it), else commits on its own. Pass distinct nonces.
   */
  async insertRemembering(orgId: string, entries: readonly { decision: NewAdmissionDecision; nonce: AgentNonce }[]): Promise<boolean[]> {
    const rows = entries.map(({ decision: d }) => {
      if (d.orgId !== orgId) throw new Error('a decision of another org cannot join this batch');
      return {
        id: d.id,
        org_id: d.orgId,
        cluster_id: d.clusterId,
        request_uid: d.requestUid,
        kind: d.kind,
        namespace: d.namespace,
        name: d.name,
        operation: d.operation,
        owner: d.owner,
        admission_user: d.admissionUser,
        labels: d.labels,
        outcome: d.outcome,
        warnings: d.warnings,
        reasons: d.reasons,
        images: d.images,
        policy_state_token: d.policyStateToken,
        decided_at: d.decidedAt.toISOString(),
        published_at: d.publishedAt?.toISOString() ?? null,
      };
    });
    const nonces = entries.map((e) => {
      if (e.nonce.orgId !== orgId) throw new Error('a nonce of another org cannot join this batch');
      return e.nonce;
    });
    const recorded = await this.database.selfScopedStatement<{ position: number }>(
      orgId,
      'SELECT vigil_record_admission_decisions($1, $2::jsonb, $3, $4, $5, $6) AS position',
      [orgId, JSON.stringify(rows), nonces.map((n) => n.clusterId), nonces.map((n) => n.nonce), nonces.map((n) => n.expiresAt), nonces.map((n) => n.keyId)],
    );
    const fresh = new Set(recorded.map((r) => r.position));
    return entries.map((_, i) => fresh.has(i + 1));
  }

  /** The latest decisions of a cluster, newest first (tests and future read APIs). */
  latest(orgId: string, clusterId: string, limit: number): Promise<AdmissionDecisionEntity[]> {
    return this.database.forOrg(orgId, (m) =>
      m.find(AdmissionDecisionEntity, { where: { orgId, clusterId }, order: { decidedAt: 'DESC' }, take: limit }),
    );
  }
}
