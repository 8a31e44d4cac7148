import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Database } from '@vigil/shared/database';
import { UserEntity } from '../entities';

@Injectable()
export class UserRepository {
  constructor(private readonly database: Database) {}

  /** Called at each OIDC sign-in: the (issuer, subject) pair is the person's stable identity. */
  upsertFromLogin(login: { issuer: string; subject: string; email: string | null; displayName: string | null }): Promise<UserEntity> {
    return this.database.platform(async (m) => {
      const rows: { id: string }[] = await m.query(
        `INSERT INTO users (id, issuer, subject, email, display_name, last_login_at)
         VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (issuer, subject) DO UPDATE
           SET email = EXCLUDED.email, display_name = EXCLUDED.display_name, last_login_at = now()
         RETURNING id`,
        [randomUUID(), login.issuer, login.subject, login.email, login.displayName],
      );
      return m.findOneByOrFail(UserEntity, { id: rows[0].id });
    });
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.database.platform((m) => m.findOneBy(UserEntity, { id }));
  }

  async memberships(userId: string): Promise<{ orgId: string; identityId: string }[]> {
    const rows = await this.database.platformQuery<{ org_id: string; identity_id: string }>('SELECT * FROM vigil_user_memberships($1)', [userId]);
    return rows.map((r) => ({ orgId: r.org_id, identityId: r.identity_id }));
  }
}
