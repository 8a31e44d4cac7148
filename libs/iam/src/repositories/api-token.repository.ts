import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';
import { ApiTokenEntity } from '../entities';

export interface ResolvedToken {
  tokenId: string;
  orgId: string;
  identityId: string;
  lastUsedAt: Date | null;
}

@Injectable()
export class ApiTokenRepository {
  constructor(private readonly database: Database) {}

  /** Before the org is known: the narrow SECURITY DEFINER lookup from the IamSpine migration. */
  async resolve(hash: Buffer): Promise<ResolvedToken | null> {
    const rows = await this.database.platformQuery<{ token_id: string; org_id: string; identity_id: string; last_used_at: Date | null }>(
      'SELECT * FROM vigil_resolve_api_token($1)',
      [hash],
    );
    const row = rows[0];
    return row ? { tokenId: row.token_id, orgId: row.org_id, identityId: row.identity_id, lastUsedAt: row.last_used_at } : null;
  }

  /** Last-used time is kept to the minute: a write per request would cost more than it tells. */
  touch(orgId: string, tokenId: string): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(
        `UPDATE api_tokens SET last_used_at = now()
          WHERE org_id = $1 AND id = $2 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        [orgId, tokenId],
      );
    });
  }

  async insert(token: Pick<ApiTokenEntity, 'id' | 'orgId' | 'identityId' | 'name' | 'tokenHash' | 'tokenPrefix' | 'expiresAt'>): Promise<ApiTokenEntity> {
    return this.database.forOrg(token.orgId, async (m) => {
      await m.insert(ApiTokenEntity, token);
      return m.findOneByOrFail(ApiTokenEntity, { orgId: token.orgId, id: token.id });
    });
  }

  findById(orgId: string, id: string): Promise<ApiTokenEntity | null> {
    return this.database.forOrg(orgId, (m) => m.findOneBy(ApiTokenEntity, { orgId, id }));
  }

  listForIdentity(orgId: string, identityId: string): Promise<ApiTokenEntity[]> {
    return this.database.forOrg(orgId, (m) =>
      m.find(ApiTokenEntity, { where: { orgId, identityId }, order: { createdAt: 'DESC' } }),
    );
  }

  revoke(orgId: string, id: string): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.query(`UPDATE api_tokens SET revoked_at = now() WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL`, [orgId, id]);
    });
  }
}
