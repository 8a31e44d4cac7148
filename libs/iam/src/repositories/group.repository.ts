import { Injectable } from '@nestjs/common';
import { Database, PageRequest } from '@vigil/shared/database';
import { GroupEntity } from '../entities';

@Injectable()
export class GroupRepository {
  constructor(private readonly database: Database) {}

  findById(orgId: string, id: string): Promise<GroupEntity | null> {
    return this.database.forOrg(orgId, (m) => m.findOneBy(GroupEntity, { orgId, id }));
  }

  findRoot(orgId: string): Promise<GroupEntity | null> {
    return this.database.forOrg(orgId, (m) =>
      m.createQueryBuilder(GroupEntity, 'g').where('g.org_id = :orgId AND g.parent_id IS NULL', { orgId }).getOne(),
    );
  }

  /** Groups at or below any of `roots` (null: the whole org), ordered by id for cursor paging. */
  list(orgId: string, roots: string[] | null, page: PageRequest): Promise<GroupEntity[]> {
    return this.database.forOrg(orgId, (m) => {
      const q = m.createQueryBuilder(GroupEntity, 'g').where('g.org_id = :orgId', { orgId });
      if (roots) q.andWhere('g.ancestor_ids && :roots::uuid[]', { roots });
      if (page.after) q.andWhere('g.id > :after', { after: page.after });
      return q.orderBy('g.id', 'ASC').limit(page.limit + 1).getMany();
    });
  }

  async insert(group: Omit<GroupEntity, 'createdAt'>): Promise<GroupEntity> {
    return this.database.forOrg(group.orgId, async (m) => {
      await m.insert(GroupEntity, group);
      return m.findOneByOrFail(GroupEntity, { orgId: group.orgId, id: group.id });
    });
  }

  rename(orgId: string, id: string, name: string): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.update(GroupEntity, { orgId, id }, { name });
    });
  }

  /** Moves a subtree: every descendant's path swaps the old prefix for the new one. */
  move(orgId: string, group: GroupEntity, newParent: GroupEntity): Promise<void> {
    const oldPrefixLength = group.ancestorIds.length - 1;
    return this.database.forOrg(orgId, async (m) => {
      await m.query(
        `UPDATE groups
            SET ancestor_ids = $3::uuid[] || ancestor_ids[$4 + 1:],
                parent_id = CASE WHEN id = $2 THEN $5::uuid ELSE parent_id END
          WHERE org_id = $1 AND ancestor_ids @> ARRAY[$2::uuid]`,
        [orgId, group.id, newParent.ancestorIds, oldPrefixLength, newParent.id],
      );
    });
  }

  async idsAtOrBelow(orgId: string, roots: string[]): Promise<string[]> {
    if (roots.length === 0) return [];
    const rows: { id: string }[] = await this.database.forOrg(orgId, (m) =>
      m.query(`SELECT id FROM groups WHERE org_id = $1 AND ancestor_ids && $2::uuid[]`, [orgId, roots]),
    );
    return rows.map((r) => r.id);
  }

  countChildren(orgId: string, id: string): Promise<number> {
    return this.database.forOrg(orgId, (m) => m.countBy(GroupEntity, { orgId, parentId: id }));
  }

  delete(orgId: string, id: string): Promise<void> {
    return this.database.forOrg(orgId, async (m) => {
      await m.delete(GroupEntity, { orgId, id });
    });
  }
}
