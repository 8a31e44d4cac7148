import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fencing of inventory by leader term: the highest `term` (the agent Lease's
 * leaseTransitions) a cluster's inventory batches have carried. The ingest
 * transaction locks this row, so batches of two terms serialise, and refuses a
 * batch of a lower term (a deposed leader's late batch). A table of its own,
 * not a column of clusters: locking the cluster row for every batch would make
 * heartbeats and cluster edits wait on inventory.
 */
export class InventoryLeaderTerms1795850000000 implements MigrationInterface {
  name = 'InventoryLeaderTerms1795850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inventory_leader_terms (
        org_id uuid NOT NULL,
        cluster_id uuid NOT NULL PRIMARY KEY,
        term integer NOT NULL CHECK (term >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (org_id, cluster_id) REFERENCES clusters(org_id, id) ON DELETE CASCADE
      )`);
    await q.query(`ALTER TABLE inventory_leader_terms ENABLE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY tenant_isolation ON inventory_leader_terms
        USING (org_id = vigil_current_org()) WITH CHECK (org_id = vigil_current_org())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON inventory_leader_terms TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS inventory_leader_terms`);
  }
}
