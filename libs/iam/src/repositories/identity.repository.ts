import { Injectable } from '@nestjs/common';
import { Database, PageRequest } from '@vigil/shared/database';
import { IdentityEntity } from '../entities';

@Injectable()
export class IdentityRepository {
  constructor(private readonly database: Database) {}

  findById(orgId: string, id: string): Promise<IdentityEntity | null> {
    return this.database.forOrg(orgId, (m) => m.findOneBy(IdentityEntity, { orgId, id }));
  }

  list(orgId: string, groupIds: string[] | null, page: PageRequest): Promise<IdentityEntity[]> {
    return this.database.forOrg(orgId, (m) => {
      const q = m.createQueryBuilder(IdentityEntity, 'i').where('i.org_id = :orgId', { orgId });
      if (groupIds) q.andWhere('i.group_id = ANY(:groupIds::uuid[])', { groupIds });
      if (page.after) q.andWhere('i.id > :after', { after: page.after });
      return q.orderBy('i.id', 'ASC').limit(page.limit + 1).getMany();
    });
  }

  async insert(identity: Omit<IdentityEntity, 'createdAt' | 'disabledAt'>): Promise<IdentityEntity> {
    return this.database.forOrg(identity.orgId, async (m) => {
      await m.insert(IdentityEntity, identity);
      return m.findOneByOrFail(IdentityEntity, { orgId: identity.orgId, id: identity.id });
    });
  }

  countInGroup(orgId: string, groupId: string): Promise<number> {
    return this.database.forOrg(orgId, (m) => m.countBy(IdentityEntity, { orgId, groupId }));
  }
}
