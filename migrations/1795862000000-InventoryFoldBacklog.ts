import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Folding a batch's observations into workload_image_runs cost inventory ingest
 * ~18 % of its throughput (docs/benchmarks.md, "With the exposure rollup"), so
 * it moved off the agent's request path: the ingest transaction now only
 * appends the pods it touched here, and the worker's `inventory.fold` job
 * claims a cluster's rows, merges those pods (vigil_merge_workload_image_runs)
 * and deletes the rows, in one transaction. A sweep re-adds the job for rows a
 * lost job left behind.
 *
 * Append-only (no unique key on the pod): a row is deleted only by the fold
 * that read it, and that fold's merge runs after the row (and the observations
 * its batch wrote, same transaction) committed. A deduplicating upsert on
 * (cluster, pod) would let a batch still in flight hit a row a fold is about to
 * delete and do nothing, and its change would never be folded; making it safe
 * needs a lock the ingest would wait on while a fold runs. Duplicates cost a
 * row per pod per batch until the next fold, seconds.
 *
 * No foreign key to clusters: each row would pay a key check on the hot path;
 * rows of a cluster that is gone fold nothing and are deleted by the fold.
 */
export class InventoryFoldBacklog1795862000000 implements MigrationInterface {
  name = 'InventoryFoldBacklog1795862000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inventory_folds_due (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        pod_uid text NOT NULL,
        due_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The fold claims a cluster's oldest rows; retention asks whether a pod still waits.
    await q.query(`CREATE INDEX inventory_folds_due_cluster ON inventory_folds_due (org_id, cluster_id, pod_uid)`);
    await q.query(`ALTER TABLE inventory_folds_due ENABLE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY tenant_isolation ON inventory_folds_due
        USING (org_id = vigil_current_org()) WITH CHECK (org_id = vigil_current_org())`);
    await q.query(`GRANT SELECT, INSERT, DELETE ON inventory_folds_due TO vigil_app`);

    // The sweep spans orgs: which (org, cluster) have rows waiting longer than a job should take.
    await q.query(`
      CREATE FUNCTION vigil_stale_inventory_folds(p_older_than_seconds integer, p_limit integer)
      RETURNS TABLE (org_id uuid, cluster_id uuid, due_at timestamptz)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT f.org_id, f.cluster_id, min(f.due_at) FROM inventory_folds_due f
         GROUP BY f.org_id, f.cluster_id
        HAVING min(f.due_at) <= now() - make_interval(secs => p_older_than_seconds)
         ORDER BY min(f.due_at) LIMIT p_limit
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION vigil_stale_inventory_folds(integer, integer) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION vigil_stale_inventory_folds(integer, integer) TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS vigil_stale_inventory_folds(integer, integer)`);
    await q.query(`DROP TABLE IF EXISTS inventory_folds_due`);
  }
}
