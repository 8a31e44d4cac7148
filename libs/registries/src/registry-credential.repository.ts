import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';
import { RegistryCredentialEntity } from './registry-credential.entity';

@Injectable()
export class RegistryCredentialRepository {
  constructor(private readonly database: Database) {}

  /** One login per registry and org: setting it again replaces it. */
  async upsert(c: Pick<RegistryCredentialEntity, 'id' | 'orgId' | 'registry' | 'username' | 'secretSealed'>): Promise<RegistryCredentialEntity> {
    return this.database.forOrg(c.orgId, async (m) => {
      await m.query(
        `INSERT INTO registry_credentials (id, org_id, registry, username, secret_sealed) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (org_id, registry) DO UPDATE SET username = EXCLUDED.username, secret_sealed = EXCLUDED.secret_sealed, updated_at = now()`,
        [c.id, c.orgId, c.registry, c.username, c.secretSealed],
      );
      return m.findOneByOrFail(RegistryCredentialEntity, { orgId: c.orgId, registry: c.registry });
    });
  }

  list(orgId: string): Promise<RegistryCredentialEntity[]> {
    return this.database.forOrg(orgId, (m) => m.find(RegistryCredentialEntity, { where: { orgId }, order: { registry: 'ASC' } }));
  }

  findById(orgId: string, id: string): Promise<RegistryCredentialEntity | null> {
    return this.database.forOrg(orgId, (m) => m.findOneBy(RegistryCredentialEntity, { orgId, id }));
  }

  withSecret(orgId: string, registry: string): Promise<RegistryCredentialEntity | null> {
    return this.database.forOrg(orgId, (m) =>
      m.createQueryBuilder(RegistryCredentialEntity, 'c').addSelect('c.secretSealed').where('c.org_id = :orgId AND c.registry = :registry', { orgId, registry }).getOne(),
    );
  }

  delete(orgId: string, id: string): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.delete(RegistryCredentialEntity, { orgId, id });
    });
  }
}
