import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AUTHORIZER, Authorizer, Caller, orgOf } from '@vigil/shared/auth';
import { Database, PageRequest, toPage } from '@vigil/shared/database';
import { CreateGroupDto, UpdateGroupDto } from '../dtos/create-group.dto';
import { GroupRepository, IdentityRepository } from '../repositories';
import { groupView } from './views';
import { IamChangeRecorder } from './iam-change.recorder';

/** The IAM tree. Changing it is IAM, so it needs `owner` on the groups involved. */
@Injectable()
export class GroupService {
  constructor(
    private readonly database: Database,
    private readonly groups: GroupRepository,
    private readonly identities: IdentityRepository,
    private readonly changes: IamChangeRecorder,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
  ) {}

  async list(caller: Caller, page: PageRequest) {
    const roots = await this.authorizer.groupsWithRole(caller, 'viewer');
    const rows = await this.groups.list(orgOf(caller), roots, page);
    const result = toPage(rows, page.limit, (g) => g.id);
    return { items: result.items.map(groupView), nextCursor: result.nextCursor };
  }

  async get(caller: Caller, id: string) {
    await this.authorizer.assertRole(caller, 'viewer', id);
    return groupView(await this.mustFind(orgOf(caller), id));
  }

  async create(caller: Caller, dto: CreateGroupDto) {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'owner', dto.parentId);
    const parent = await this.mustFind(orgId, dto.parentId);
    const id = randomUUID();
    const group = await this.database.forOrg(orgId, async () => {
      const created = await this.groups.insert({ id, orgId, parentId: parent.id, name: dto.name, ancestorIds: [...parent.ancestorIds, id] });
      await this.changes.record(caller, { action: 'group.create', objectType: 'group', objectId: id, details: { parentId: parent.id, name: dto.name } }, id);
      return created;
    });
    return groupView(group);
  }

  async update(caller: Caller, id: string, dto: UpdateGroupDto) {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'owner', id);
    const group = await this.mustFind(orgId, id);
    if (dto.parentId !== undefined) {
      if (!group.parentId) throw new BadRequestException('parentId: the root group cannot be moved');
      await this.authorizer.assertRole(caller, 'owner', dto.parentId);
    }
    await this.database.forOrg(orgId, async () => {
      if (dto.name !== undefined && dto.name !== group.name) await this.groups.rename(orgId, id, dto.name);
      if (dto.parentId !== undefined && dto.parentId !== group.parentId) {
        const parent = await this.mustFind(orgId, dto.parentId);
        if (parent.ancestorIds.includes(group.id)) {
          throw new BadRequestException('parentId: a group cannot move below itself');
        }
        await this.groups.move(orgId, group, parent);
      }
      await this.changes.record(caller, { action: 'group.update', objectType: 'group', objectId: id, details: { ...dto } }, id);
    });
    return groupView(await this.mustFind(orgId, id));
  }

  async remove(caller: Caller, id: string): Promise<void> {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'owner', id);
    const group = await this.mustFind(orgId, id);
    if (!group.parentId) throw new ConflictException('the root group cannot be deleted');
    await this.database.forOrg(orgId, async () => {
      if ((await this.groups.countChildren(orgId, id)) > 0) throw new ConflictException('the group has child groups; delete or move them first');
      if ((await this.identities.countInGroup(orgId, id)) > 0) throw new ConflictException('identities belong to the group; delete or move them first');
      await this.groups.delete(orgId, id);
      await this.changes.record(caller, { action: 'group.delete', objectType: 'group', objectId: id, details: { name: group.name } }, group.parentId ?? group.id);
    });
  }

  private async mustFind(orgId: string, id: string) {
    const group = await this.groups.findById(orgId, id);
    if (!group) throw new NotFoundException(`group ${id} not found`);
    return group;
  }
}
