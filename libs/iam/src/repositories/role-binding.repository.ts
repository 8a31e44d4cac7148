import { Injectable } from '@nestjs/common';
import { Database, PageRequest } from '@vigil/shared/database';
import { RoleBindingEntity } from '../entities';

@Injectable()
export class RoleBindingRepository {
  constructor(private readonly database: Database) {}

  forIdentity(orgId: string, identityId: string): Promise<RoleBindingEntity[]> {
    return this.database.forOrg(orgId, (m) => m.findBy(RoleBindingEntity, { orgId, identityId }));
  }

  findById(orgId: string, id: string): Promise<RoleBindingEntity | null> {
    return this.database.forOrg(orgId, (m) => m.findOneBy(RoleBindingEntity, { orgId, id }));
  }

  list(
    orgId: string,
    filter: { groupIds: string[] | null; identityId?: string; groupId?: string },
    page: PageRequest,
  ): Promise<RoleBindingEntity[]> {
    return this.database.forOrg(orgId, (m) => {
      const q = m.createQueryBuilder(RoleBindingEntity, 'b').where('b.org_id = :orgId', { orgId });
      if (filter.groupIds) q.andWhere('b.group_id = ANY(:groupIds::uuid[])', { groupIds: filter.groupIds });
      if (filter.identityId) q.andWhere('b.identity_id = :identityId', { identityId: filter.identityId });
      if (filter.groupId) q.andWhere('b.group_id = :groupId', { groupId: filter.groupId });
      if (page.after) q.andWhere('b.id > :after', { after: page.after });
      return q.orderBy('b.id', 'ASC').limit(page.limit + 1).getMany();
    });
  }

  async insert(binding: Omit<RoleBindingEntity, 'createdAt'>): Promise<RoleBindingEntity> {
    return this.database.forOrg(binding.orgId, async (m) => {
      await m.insert(RoleBindingEntity, binding);
      return m.findOneByOrFail(RoleBindingEntity, { orgId: binding.orgId, id: binding.id });
    });
  }

  delete(orgId: string, id: string): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.delete(RoleBindingEntity, { orgId, id });
    });
  }

  countOwnersAt(orgId: string, groupId: string): Promise<number> {
    return this.database.forOrg(orgId, (m) => m.countBy(RoleBindingEntity, { orgId, groupId, role: 'owner' }));
  }
}
