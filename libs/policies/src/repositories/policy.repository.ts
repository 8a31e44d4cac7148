import { Injectable } from '@nestjs/common';
import { Database, PageRequest, queryRows } from '@vigil/shared/database';
import { PolicyEntity, PolicyRevisionEntity } from '../entities';

export type NewRevision = Omit<PolicyRevisionEntity, 'createdAt'>;

/** Policies and their immutable revisions. */
@Injectable()
export class PolicyRepository {
  constructor(private readonly database: Database) {}

  findLive(orgId: string, id: string): Promise<PolicyEntity | null> {
    return this.database.forOrg(orgId, (m) =>
      m.createQueryBuilder(PolicyEntity, 'p').where('p.org_id = :orgId AND p.id = :id AND p.deleted_at IS NULL', { orgId, id }).getOne(),
    );
  }

  findLiveByName(orgId: string, name: string): Promise<PolicyEntity | null> {
    return this.database.forOrg(orgId, (m) =>
      m.createQueryBuilder(PolicyEntity, 'p').where('p.org_id = :orgId AND p.name = :name AND p.deleted_at IS NULL', { orgId, name }).getOne(),
    );
  }

  /** Live policies in the given groups (null: every group), ordered by id for cursor paging. */
  list(orgId: string, groupIds: string[] | null, page: PageRequest): Promise<PolicyEntity[]> {
    return this.database.forOrg(orgId, (m) => {
      const q = m.createQueryBuilder(PolicyEntity, 'p').where('p.org_id = :orgId AND p.deleted_at IS NULL', { orgId });
      if (groupIds) q.andWhere('p.group_id = ANY(:groupIds::uuid[])', { groupIds });
      if (page.after) q.andWhere('p.id > :after', { after: page.after });
      return q.orderBy('p.id', 'ASC').limit(page.limit + 1).getMany();
    });
  }

  /** The policy row and its first revision. */
  create(policy: Pick<PolicyEntity, 'id' | 'orgId' | 'groupId' | 'name'>, revision: NewRevision): Promise<void> {
    return this.database.forOrg(policy.orgId, async (m) => {
      await m.query(
        `INSERT INTO policies (id, org_id, group_id, name, current_revision, updated_at) VALUES ($1, $2, $3, $4, 1, now())`,
        [policy.id, policy.orgId, policy.groupId, policy.name],
      );
      await m.insert(PolicyRevisionEntity, revision);
    });
  }

  /**
   * Moves the head to the next revision number and returns it; the row lock
   * serialises concurrent updates. Null when the policy is gone, or when
   * `expectedRevision` is given and no longer current.
   */
  async advance(orgId: string, id: string, change: { name: string; groupId: string; expectedRevision?: number }): Promise<number | null> {
    const { rows } = await this.database.forOrg(orgId, (m) =>
      queryRows<{ current_revision: number }>(
        m,
        `UPDATE policies SET current_revision = current_revision + 1, name = $3, group_id = $4, updated_at = now()
          WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL AND ($5::int IS NULL OR current_revision = $5::int)
          RETURNING current_revision`,
        [orgId, id, change.name, change.groupId, change.expectedRevision ?? null],
      ),
    );
    return rows[0]?.current_revision ?? null;
  }

  insertRevision(revision: NewRevision): Promise<void> {
    return this.database.forOrg(revision.orgId, async (m) => {
      await m.insert(PolicyRevisionEntity, revision);
    });
  }

  async retire(orgId: string, id: string): Promise<boolean> {
    const { affected } = await this.database.forOrg(orgId, (m) =>
      queryRows(m, `UPDATE policies SET deleted_at = now(), updated_at = now() WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL`, [orgId, id]),
    );
    return affected === 1;
  }

  /** Revisions newest first; `page.after` is the revision number of the previous page's last item. */
  listRevisions(orgId: string, policyId: string, page: PageRequest): Promise<PolicyRevisionEntity[]> {
    return this.database.forOrg(orgId, (m) => {
      const q = m
        .createQueryBuilder(PolicyRevisionEntity, 'r')
        .where('r.org_id = :orgId AND r.policy_id = :policyId', { orgId, policyId });
      if (page.after) q.andWhere('r.revision < :after', { after: Number(page.after) });
      return q.orderBy('r.revision', 'DESC').limit(page.limit + 1).getMany();
    });
  }

  findRevision(orgId: string, policyId: string, revision: number): Promise<PolicyRevisionEntity | null> {
    return this.database.forOrg(orgId, (m) => m.findOneBy(PolicyRevisionEntity, { orgId, policyId, revision }));
  }
}
