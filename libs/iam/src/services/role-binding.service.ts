import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AUTHORIZER, Authorizer, Caller, orgOf } from '@vigil/shared/auth';
import { Database, PageRequest, toPage } from '@vigil/shared/database';
import { CreateRoleBindingDto } from '../dtos/create-role-binding.dto';
import { GroupRepository, IdentityRepository, RoleBindingRepository } from '../repositories';
import { roleBindingView } from './views';
import { IamChangeRecorder } from './iam-change.recorder';

/** Grants: identity × group × role, inherited by every group below. Owners of the group grant. */
@Injectable()
export class RoleBindingService {
  constructor(
    private readonly database: Database,
    private readonly bindings: RoleBindingRepository,
    private readonly identities: IdentityRepository,
    private readonly groups: GroupRepository,
    private readonly changes: IamChangeRecorder,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
  ) {}

  async list(caller: Caller, filter: { identityId?: string; groupId?: string }, page: PageRequest) {
    const orgId = orgOf(caller);
    const roots = await this.authorizer.groupsWithRole(caller, 'viewer');
    const visible = roots === null ? null : await this.groups.idsAtOrBelow(orgId, roots);
    const rows = await this.bindings.list(orgId, { groupIds: visible, ...filter }, page);
    const result = toPage(rows, page.limit, (b) => b.id);
    return { items: result.items.map(roleBindingView), nextCursor: result.nextCursor };
  }

  async create(caller: Caller, dto: CreateRoleBindingDto) {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'owner', dto.groupId);
    const identity = await this.identities.findById(orgId, dto.identityId);
    if (!identity) throw new NotFoundException(`identity ${dto.identityId} not found`);
    const id = randomUUID();
    const binding = await this.database.forOrg(orgId, async () => {
      const created = await this.bindings.insert({ id, orgId, identityId: dto.identityId, groupId: dto.groupId, role: dto.role });
      await this.changes.record(caller, { action: 'role-binding.create', objectType: 'role-binding', objectId: id, details: { ...dto } }, dto.groupId);
      return created;
    });
    return roleBindingView(binding);
  }

  async remove(caller: Caller, id: string): Promise<void> {
    const orgId = orgOf(caller);
    const binding = await this.bindings.findById(orgId, id);
    if (!binding) throw new NotFoundException(`role binding ${id} not found`);
    await this.authorizer.assertRoleOnObject(caller, 'owner', binding.groupId, `role binding ${id}`);
    await this.database.forOrg(orgId, async () => {
      await this.bindings.delete(orgId, id);
      await this.changes.record(caller, { action: 'role-binding.delete', objectType: 'role-binding', objectId: id, details: { identityId: binding.identityId, groupId: binding.groupId, role: binding.role } }, binding.groupId);
    });
  }
}
