import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "What ran at T" pages by (first_seen desc, id desc) over a btree: scanning
 * back from T finds the containers active at T among the most recent starts,
 * so a page stops after about a page's worth of rows, and every operator it
 * uses is leakproof (RLS applies as usual). The GiST index and the SECURITY
 * DEFINER function of InventoryQueryPaths, which had to collect every
 * container active at T before cutting a page, are no longer needed; dropping
 * the GiST index also takes its cost off every ingest.
 */
export class InventoryAtKeyset1795822000000 implements MigrationInterface {
  name = 'InventoryAtKeyset1795822000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX observations_started ON observations (org_id, first_seen DESC, id DESC)`);
    await q.query(`DROP FUNCTION vigil_observations_active_at(timestamptz, uuid[], text, text, text, text, text, bigint, integer)`);
    await q.query(`DROP INDEX observations_active`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX observations_active ON observations USING gist (org_id, active_during)`);
    await q.query(`DROP INDEX IF EXISTS observations_started`);
    // vigil_observations_active_at: re-run InventoryQueryPaths' definition if going back further.
  }
}
