import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '@vigil/audit';
import { AUTHORIZER, Authorizer, Caller, orgOf } from '@vigil/shared/auth';
import { Database } from '@vigil/shared/database';
import { OrgRegistryCredentials } from './org-registry-credentials';
import { RegistryCredentialEntity } from './registry-credential.entity';
import { RegistryCredentialRepository } from './registry-credential.repository';
import { SetRegistryCredentialDto } from './set-registry-credential.dto';

const view = (c: RegistryCredentialEntity) => ({
  id: c.id,
  registry: c.registry,
  username: c.username,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

/** Org-wide registry logins: secrets, so owners of the root group manage them; viewers see which exist. */
@Injectable()
export class RegistryCredentialService {
  constructor(
    private readonly database: Database,
    private readonly repository: RegistryCredentialRepository,
    private readonly credentials: OrgRegistryCredentials,
    private readonly audit: AuditService,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
  ) {}

  async set(caller: Caller, dto: SetRegistryCredentialDto) {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'owner', await this.authorizer.rootGroupOf(orgId));
    const registry = dto.registry.toLowerCase();
    const saved = await this.database.forOrg(orgId, async () => {
      const row = await this.repository.upsert({ id: randomUUID(), orgId, registry, username: dto.username, secretSealed: this.credentials.seal(orgId, registry, dto.password) });
      await this.audit.record(caller, { action: 'registry-credential.set', objectType: 'registry-credential', objectId: row.id, details: { registry, username: dto.username } });
      return row;
    });
    this.credentials.forget(orgId, registry);
    return view(saved);
  }

  async list(caller: Caller) {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'viewer', await this.authorizer.rootGroupOf(orgId));
    return { items: (await this.repository.list(orgId)).map(view), nextCursor: null };
  }

  async remove(caller: Caller, id: string): Promise<void> {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'owner', await this.authorizer.rootGroupOf(orgId));
    const row = await this.repository.findById(orgId, id);
    if (!row) throw new NotFoundException(`registry credential ${id} not found`);
    await this.database.forOrg(orgId, async () => {
      await this.repository.delete(orgId, id);
      await this.audit.record(caller, { action: 'registry-credential.delete', objectType: 'registry-credential', objectId: id, details: { registry: row.registry } });
    });
    this.credentials.forget(orgId, row.registry);
  }
}
