import { Injectable } from '@nestjs/common';
import { Database, queryRows } from '@vigil/shared/database';
import { ClusterCredentialEntity, RegistrationTokenEntity } from '../entities';

export interface StoredCredential {
  orgId: string;
  clusterId: string;
  secretSealed: Buffer;
  expiresAt: Date | null;
}

export interface AgentNonce {
  orgId: string;
  clusterId: string;
  keyId: string;
  nonce: string;
  expiresAt: Date;
}

/** Registration tokens, agent credentials and the replay guard's nonces. */
@Injectable()
export class AgentCredentialRepository {
  constructor(private readonly database: Database) {}

  async lookup(keyId: string): Promise<StoredCredential | null> {
    const rows = await this.database.platformQuery<{ org_id: string; cluster_id: string; secret_sealed: Buffer; expires_at: Date | null }>('SELECT * FROM vigil_agent_credential($1)', [keyId]);
    const row = rows[0];
    return row ? { orgId: row.org_id, clusterId: row.cluster_id, secretSealed: row.secret_sealed, expiresAt: row.expires_at } : null;
  }

  insertRegistrationToken(token: Pick<RegistrationTokenEntity, 'id' | 'orgId' | 'clusterId' | 'tokenHash' | 'expiresAt'>): Promise<void> {
    return this.database.forOrg(token.orgId, async (m) => {
      await m.insert(RegistrationTokenEntity, token);
    });
  }

  async resolveRegistrationToken(hash: Buffer): Promise<{ orgId: string; clusterId: string } | null> {
    const rows = await this.database.platformQuery<{ org_id: string; cluster_id: string }>('SELECT * FROM vigil_registration_token($1)', [hash]);
    return rows[0] ? { orgId: rows[0].org_id, clusterId: rows[0].cluster_id } : null;
  }

  /** Single use even under concurrency: only one UPDATE can flip used_at. */
  async consumeRegistrationToken(orgId: string, hash: Buffer): Promise<boolean> {
    const { affected } = await this.database.forOrg(orgId, (m) =>
      queryRows(
        m,
        `UPDATE cluster_registration_tokens SET used_at = now()
          WHERE org_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > now()`,
        [orgId, hash],
      ),
    );
    return affected === 1;
  }

  insertCredential(credential: Pick<ClusterCredentialEntity, 'keyId' | 'orgId' | 'clusterId' | 'secretSealed'>): Promise<void> {
    return this.database.forOrg(credential.orgId, async (m) => {
      await m.insert(ClusterCredentialEntity, credential);
    });
  }

  /** Rotation keeps older keys valid until `until`, so in-flight agents never lose access. */
  expireOtherCredentials(orgId: string, clusterId: string, keepKeyId: string, until: Date): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(
        `UPDATE cluster_credentials SET expires_at = LEAST(COALESCE(expires_at, $4), $4)
          WHERE org_id = $1 AND cluster_id = $2 AND key_id <> $3 AND revoked_at IS NULL`,
        [orgId, clusterId, keepKeyId, until],
      );
    });
  }

  listCredentials(orgId: string, clusterId: string): Promise<ClusterCredentialEntity[]> {
    return this.database.forOrg(orgId, (m) => m.find(ClusterCredentialEntity, { where: { orgId, clusterId }, order: { createdAt: 'ASC' } }));
  }

  /**
   * The replay guard for a batch of verified agent requests (distinct
   * cluster and nonce pairs): which nonces are new (and now remembered),
   * touching each credential's last-used time on the way. One function call
   * outside a transaction: this runs for every agent request.
   */
  async rememberNonces(nonces: readonly AgentNonce[]): Promise<boolean[]> {
    const rows = await this.database.platformQuery<{ position: number }>('SELECT vigil_remember_agent_nonces($1, $2, $3, $4, $5) AS position', [
      nonces.map((n) => n.orgId),
      nonces.map((n) => n.clusterId),
      nonces.map((n) => n.nonce),
      nonces.map((n) => n.expiresAt),
      nonces.map((n) => n.keyId),
    ]);
    const fresh = new Set(rows.map((r) => r.position));
    return nonces.map((_, i) => fresh.has(i + 1));
  }

  pruneNonces(orgId: string): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(`DELETE FROM agent_request_nonces WHERE org_id = $1 AND expires_at < now()`, [orgId]);
    });
  }
}
