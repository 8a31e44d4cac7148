import { ForbiddenException, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AuditService } from '@vigil/audit';
import { Caller } from '@vigil/shared/auth';
import { Database } from '@vigil/shared/database';
import { CreateOrgDto } from '../dtos/create-org.dto';
import { IdentityRepository, OrganizationRepository, RoleBindingRepository, UserRepository } from '../repositories';
import { orgView } from './views';

@Injectable()
export class OrgService {
  constructor(
    private readonly database: Database,
    private readonly orgs: OrganizationRepository,
    private readonly identities: IdentityRepository,
    private readonly bindings: RoleBindingRepository,
    private readonly users: UserRepository,
    private readonly audit: AuditService,
  ) {}

  /** Platform admins create orgs for others; a signed-in user creates one and becomes its owner. */
  async create(caller: Caller, dto: CreateOrgDto) {
    const p = caller.principal;
    const userId = p.type === 'user' ? p.userId : p.type === 'identity' ? p.userId : undefined;
    if (p.type !== 'platform-admin' && !userId) {
      throw new ForbiddenException('only platform administrators and signed-in users can create organizations');
    }
    const orgId = randomUUID();
    const rootGroupId = randomUUID();
    const user = userId ? await this.users.findById(userId) : null;
    const org = await this.database.forOrg(orgId, async () => {
      const created = await this.orgs.create({ id: orgId, name: dto.name, rootGroupId });
      if (user) {
        const identity = await this.identities.insert({
          id: randomUUID(),
          orgId,
          groupId: rootGroupId,
          kind: 'user',
          name: user.email ?? user.displayName ?? user.subject,
          userId: user.id,
        });
        await this.bindings.insert({ id: randomUUID(), orgId, identityId: identity.id, groupId: rootGroupId, role: 'owner' });
      }
      await this.audit.record(caller, { action: 'org.create', objectType: 'org', objectId: orgId, details: { name: dto.name } }, orgId);
      return created;
    });
    return orgView(org);
  }
}
