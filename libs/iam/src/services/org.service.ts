import { ForbiddenException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AUTHORIZER, Authorizer, Caller, orgOf } from '@vigil/shared/auth';
import { Database } from '@vigil/shared/database';
import { CreateOrgDto, UpdateOrgDto } from '../dtos/create-org.dto';
import { IdentityRepository, OrganizationRepository, RoleBindingRepository, UserRepository } from '../repositories';
import { orgView } from './views';
import { IamChangeRecorder } from './iam-change.recorder';

@Injectable()
export class OrgService {
  constructor(
    private readonly database: Database,
    private readonly orgs: OrganizationRepository,
    private readonly identities: IdentityRepository,
    private readonly bindings: RoleBindingRepository,
    private readonly users: UserRepository,
    private readonly changes: IamChangeRecorder,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
  ) {}

  async get(caller: Caller, id: string) {
    const org = await this.mustBeCallers(caller, id);
    await this.authorizer.assertRole(caller, 'viewer', org.rootGroupId!);
    return orgView(org);
  }

  /** Org settings are IAM: owners of the root group change them. */
  async update(caller: Caller, id: string, dto: UpdateOrgDto) {
    const org = await this.mustBeCallers(caller, id);
    await this.authorizer.assertRole(caller, 'owner', org.rootGroupId!);
    await this.database.forOrg(id, async () => {
      await this.orgs.update(id, { name: dto.name, inventoryRetentionDays: dto.inventoryRetentionDays });
      await this.changes.record(caller, { action: 'org.update', objectType: 'org', objectId: id, details: { ...dto } }, org.rootGroupId!);
    });
    return orgView((await this.orgs.findById(id))!);
  }

  private async mustBeCallers(caller: Caller, id: string) {
    // Only the org the credential acts in exists, as far as the caller can tell.
    const org = id === orgOf(caller) ? await this.orgs.findById(id) : null;
    if (!org) throw new NotFoundException(`organization ${id} not found`);
    return org;
  }

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
      await this.changes.record(caller, { action: 'org.create', objectType: 'org', objectId: orgId, details: { name: dto.name } }, rootGroupId, orgId);
      return created;
    });
    return orgView(org);
  }
}
