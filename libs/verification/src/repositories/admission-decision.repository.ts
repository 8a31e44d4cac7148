import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';
import { AdmissionDecisionEntity } from '../entities';

export type NewAdmissionDecision = AdmissionDecisionEntity;

@Injectable()
export class AdmissionDecisionRepository {
  constructor(private readonly database: Database) {}

  /**
   * Decisions of one org in one statement (the admission hot path groups
   * concurrent decisions into a commit). Joins the caller's transaction.
   */
  insertMany(orgId: string, decisions: readonly NewAdmissionDecision[]): Promise<void> {
    const rows = decisions.map((d) => {
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
    return this.database.forOrg(orgId, async (m) => {
      await m.query(
        `INSERT INTO admission_decisions
           (id, org_id, cluster_id, request_uid, kind, namespace, name, operation, owner, admission_user, labels,
            outcome, warnings, reasons, images, policy_state_token, decided_at, published_at)
         SELECT id, org_id, cluster_id, request_uid, kind, namespace, name, operation, owner, admission_user, labels,
                outcome, warnings, reasons, images, policy_state_token, decided_at, published_at
           FROM jsonb_to_recordset($1::jsonb) AS r(
             id uuid, org_id uuid, cluster_id uuid, request_uid text, kind text, namespace text, name text, operation text,
             owner jsonb, admission_user jsonb, labels jsonb, outcome text, warnings jsonb, reasons jsonb, images jsonb,
             policy_state_token text, decided_at timestamptz, published_at timestamptz)`,
        [JSON.stringify(rows)],
      );
    });
  }

  /** The latest decisions of a cluster, newest first (tests and future read APIs). */
  latest(orgId: string, clusterId: string, limit: number): Promise<AdmissionDecisionEntity[]> {
    return this.database.forOrg(orgId, (m) =>
      m.find(AdmissionDecisionEntity, { where: { orgId, clusterId }, order: { decidedAt: 'DESC' }, take: limit }),
    );
  }
}
