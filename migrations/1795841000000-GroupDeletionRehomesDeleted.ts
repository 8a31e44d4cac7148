import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deleted clusters, policies and subscriptions are kept (history refers to
 * them) and so kept their group's foreign key: a group whose last cluster had
 * been deleted could never be deleted (409). Deleting a group now moves what
 * was deleted in it to its parent first; what is live still blocks it.
 */
export class GroupDeletionRehomesDeleted1795841000000 implements MigrationInterface {
  name = 'GroupDeletionRehomesDeleted1795841000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION vigil_rehome_deleted_of_group() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE clusters SET group_id = OLD.parent_id WHERE org_id = OLD.org_id AND group_id = OLD.id AND deleted_at IS NOT NULL;
        UPDATE policies SET group_id = OLD.parent_id WHERE org_id = OLD.org_id AND group_id = OLD.id AND deleted_at IS NOT NULL;
        UPDATE subscriptions SET group_id = OLD.parent_id WHERE org_id = OLD.org_id AND group_id = OLD.id AND deleted_at IS NOT NULL;
        RETURN OLD;
      END $$`);
    await q.query(`
      CREATE TRIGGER groups_rehome_deleted BEFORE DELETE ON groups
        FOR EACH ROW WHEN (OLD.parent_id IS NOT NULL) EXECUTE FUNCTION vigil_rehome_deleted_of_group()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS groups_rehome_deleted ON groups`);
    await q.query(`DROP FUNCTION IF EXISTS vigil_rehome_deleted_of_group()`);
  }
}
