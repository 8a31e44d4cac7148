import { Injectable } from '@nestjs/common';
import { Database, queryRows } from '@vigil/shared/database';

export interface PolicyChangeRow {
  id: string;
  policyId: string;
  revision: number | null;
  processedAt: Date | null;
}

/** `policy_verification_changes`: policy changes whose affected images are still to be marked due. */
@Injectable()
export class PolicyChangeRepository {
  constructor(private readonly database: Database) {}

  /** Joins the policy change's transaction. */
  async insert(orgId: string, change: { id: string; policyId: string; revision: number | null }): Promise<void> {
    await this.database.forOrg(orgId, (m) =>
      m.query(`INSERT INTO policy_verification_changes (id, org_id, policy_id, revision) VALUES ($1, $2, $3, $4)`, [change.id, orgId, change.policyId, change.revision]),
    );
  }

  /** Locks the row: two fan-outs of one change serialise, the second finds it processed. */
  async lockPending(orgId: string, id: string): Promise<PolicyChangeRow | null> {
    const rows: { id: string; policy_id: string; revision: number | null; processed_at: Date | null }[] = await this.database.forOrg(orgId, (m) =>
      m.query(`SELECT id, policy_id, revision, processed_at FROM policy_verification_changes WHERE org_id = $1 AND id = $2 FOR UPDATE`, [orgId, id]),
    );
    const r = rows[0];
    return r ? { id: r.id, policyId: r.policy_id, revision: r.revision, processedAt: r.processed_at } : null;
  }

  async markProcessed(orgId: string, id: string): Promise<void> {
    await this.database.forOrg(orgId, (m) => queryRows(m, `UPDATE policy_verification_changes SET processed_at = now() WHERE org_id = $1 AND id = $2`, [orgId, id]));
  }

  /** Cross-org: changes whose fan-out has not happened after `olderThanSeconds` (a lost job). */
  async pending(olderThanSeconds: number, limit: number): Promise<{ orgId: string; changeId: string }[]> {
    const rows: { org_id: string; change_id: string }[] = await this.database.platform((m) =>
      m.query('SELECT * FROM vigil_pending_policy_verifications($1, $2)', [olderThanSeconds, limit]),
    );
    return rows.map((r) => ({ orgId: r.org_id, changeId: r.change_id }));
  }
}
