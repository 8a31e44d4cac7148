import { Injectable } from '@nestjs/common';
import { Database } from '@vigil/shared/database';
import { GroupEntity, OrganizationEntity } from '../entities';

@Injectable()
export class OrganizationRepository {
  constructor(private readonly database: Database) {}

  /** An org and its root group are born together (the FK between them is deferred). */
  async create(org: { id: string; name: string; rootGroupId: string }): Promise<OrganizationEntity> {
    return this.database.forOrg(org.id, async (m) => {
      await m.insert(OrganizationEntity, { id: org.id, name: org.name, rootGroupId: org.rootGroupId });
      await m.insert(GroupEntity, {
        id: org.rootGroupId,
        orgId: org.id,
        parentId: null,
        name: 'root',
        ancestorIds: [org.rootGroupId],
      });
      return m.findOneByOrFail(OrganizationEntity, { id: org.id });
    });
  }

  update(orgId: string, changes: { name?: string; inventoryRetentionDays?: number | null }): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.update(OrganizationEntity, { id: orgId }, changes);
    });
  }

  findById(orgId: string): Promise<OrganizationEntity | null> {
    return this.database.forOrg(orgId, (m) => m.findOneBy(OrganizationEntity, { id: orgId }));
  }
}
