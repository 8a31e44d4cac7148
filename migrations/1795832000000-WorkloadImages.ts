import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Runs alone did not make exposure cheap at 10M observations: an init
 * container runs for seconds at every pod start, so its runs never merge (the
 * hot init digest had 173k runs in 3,000 workloads), and aggregating every run
 * of the affected digests still took ~0.8 s. This table lists the groups that
 * have runs, one row per (cluster, namespace, workload, digest, reference),
 * written once when a group first appears. Exposure walks the groups in page
 * order and reads each group's hull from its first and last runs (a couple of
 * index probes: runs of a group are disjoint, so ordered by first_seen they
 * are ordered by last_seen, and only the last can be running), stopping after
 * a page.
 *
 * The rebuild function now fills both tables.
 */
export class WorkloadImages1795832000000 implements MigrationInterface {
  name = 'WorkloadImages1795832000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workload_images (
        org_id uuid NOT NULL,
        image_digest text NOT NULL,
        cluster_id uuid NOT NULL,
        namespace text NOT NULL,
        workload_kind text NOT NULL,
        workload_name text NOT NULL,
        image_ref text NOT NULL,
        PRIMARY KEY (org_id, image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref),
        FOREIGN KEY (org_id, cluster_id) REFERENCES clusters(org_id, id) ON DELETE CASCADE
      )`);
    await q.query(`ALTER TABLE workload_images ENABLE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY tenant_isolation ON workload_images
        USING (org_id = vigil_current_org()) WITH CHECK (org_id = vigil_current_org())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON workload_images TO vigil_app`);

    await q.query(`
      CREATE OR REPLACE FUNCTION vigil_rebuild_workload_image_runs(p_org uuid) RETURNS bigint LANGUAGE sql AS $$
        DELETE FROM workload_image_runs WHERE org_id = p_org;
        DELETE FROM workload_images WHERE org_id = p_org;
        INSERT INTO workload_image_runs (org_id, cluster_id, namespace, workload_kind, workload_name, image_digest, image_ref, first_seen, last_seen, running)
        SELECT p_org, r.* FROM vigil_workload_image_runs_of(p_org) r;
        INSERT INTO workload_images (org_id, image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref)
        SELECT DISTINCT org_id, image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref FROM workload_image_runs WHERE org_id = p_org;
        SELECT count(*) FROM workload_image_runs WHERE org_id = p_org;
      $$`);
    await q.query(`
      INSERT INTO workload_images (org_id, image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref)
      SELECT DISTINCT org_id, image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref FROM workload_image_runs`);
    await q.query(`ANALYZE workload_images`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION vigil_rebuild_workload_image_runs(p_org uuid) RETURNS bigint LANGUAGE sql AS $$
        DELETE FROM workload_image_runs WHERE org_id = p_org;
        WITH ins AS (
          INSERT INTO workload_image_runs (org_id, cluster_id, namespace, workload_kind, workload_name, image_digest, image_ref, first_seen, last_seen, running)
          SELECT p_org, r.* FROM vigil_workload_image_runs_of(p_org) r
          RETURNING 1)
        SELECT count(*) FROM ins;
      $$`);
    await q.query(`DROP TABLE IF EXISTS workload_images`);
  }
}
