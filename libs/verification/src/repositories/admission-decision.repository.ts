import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';
import { AdmissionDecisionEntity } from '../entities';

export type NewAdmissionDecision = AdmissionDecisionEntity;

@Injectable()
export class AdmissionDecisionRepository {
  constructor(private readonly database: Database) {}

  /** One statement per decision on the hot path (no ORM round trips). */
  insert(d: NewAdmissionDecision): Promise<void> {
    return this.database.forOrg(d.orgId, async (m) => {
      await m.query(
        `INSERT INTO admission_decisions
           (id, org_id, cluster_id, request_uid, kind, namespace, name, operation, owner, admission_user, labels,
            outcome, warnings, reasons, images, policy_state_token, decided_at, published_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
        [
          d.id,
          d.orgId,
          d.clusterId,
          d.requestUid,
          d.kind,
          d.namespace,
          d.name,
          d.operation,
          d.owner === null ? null : JSON.stringify(d.owner),
          d.admissionUser === null ? null : JSON.stringify(d.admissionUser),
          JSON.stringify(d.labels),
          d.outcome,
          JSON.stringify(d.warnings),
          JSON.stringify(d.reasons),
          JSON.stringify(d.images),
          d.policyStateToken,
          d.decidedAt,
          d.publishedAt,
        ],
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
