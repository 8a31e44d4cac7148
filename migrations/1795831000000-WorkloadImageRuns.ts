import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Exposure ("where and when did an affected image run") read every
 * observation of the affected digests on every request: 563k rows at 10M
 * observations, because hot sidecar digests ran in most pods (docs/benchmarks.md,
 * "Exposure at 10M"). This rollup keeps, per (cluster, namespace, workload,
 * digest, reference), its *runs*: maximal periods during which the workload
 * ran the image. Observation intervals that overlap or are separated by at
 * most `vigil_workload_run_gap()` (5 minutes: a rolling update replaces pods
 * one after another, with short gaps) are one run; a running observation
 * extends to infinity, as `active_during` does, so a run with a running
 * container swallows everything after it and is `running`.
 *
 * Inventory ingest maintains the runs in its transaction (libs/inventory
 * inventory-ingest.repository.ts), and retention trims them; the rebuild
 * function below is the definition both must agree with (tested), and
 * backfills orgs here and in the benchmark generator.
 *
 * Closed observations with an empty interval (last_seen = first_seen) are left
 * out, as exposure always left them out (an empty `active_during` overlaps
 * nothing). `workload_kind`/`workload_name` are '' for pods without an owner,
 * so the group columns can be compared with `=` and indexed.
 */
export class WorkloadImageRuns1795831000000 implements MigrationInterface {
  name = 'WorkloadImageRuns1795831000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workload_image_runs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id uuid NOT NULL,
        cluster_id uuid NOT NULL,
        namespace text NOT NULL,
        workload_kind text NOT NULL,
        workload_name text NOT NULL,
        image_digest text NOT NULL,
        image_ref text NOT NULL,
        first_seen timestamptz NOT NULL,
        -- the latest last_seen of its observations; while running, ingest lets it lag by up to a minute
        last_seen timestamptz NOT NULL,
        -- some observation of the run is still running
        running boolean NOT NULL,
        FOREIGN KEY (org_id, cluster_id) REFERENCES clusters(org_id, id) ON DELETE CASCADE
      )`);
    // Exposure reads by (org, digest); ingest and retention find a group's runs by the whole key.
    // No unique key: concurrent agents of one cluster may each insert a run for the same new
    // interval; the overlap is harmless (exposure reports the hull) and the next merge folds it.
    await q.query(`
      CREATE INDEX workload_image_runs_group ON workload_image_runs
        (org_id, image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref, first_seen) INCLUDE (last_seen, running)`);
    await q.query(`ALTER TABLE workload_image_runs ENABLE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY tenant_isolation ON workload_image_runs
        USING (org_id = vigil_current_org()) WITH CHECK (org_id = vigil_current_org())`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON workload_image_runs TO vigil_app`);

    // One constant for ingest, retention and the rebuild (the planner folds it).
    await q.query(`CREATE FUNCTION vigil_workload_run_gap() RETURNS interval LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT interval '5 minutes' $$`);

    // The runs an org's observations define: gaps-and-islands per group over
    // [first_seen, last_seen], a running observation ending at infinity.
    await q.query(`
      CREATE FUNCTION vigil_workload_image_runs_of(p_org uuid)
      RETURNS TABLE (cluster_id uuid, namespace text, workload_kind text, workload_name text, image_digest text, image_ref text,
                     first_seen timestamptz, last_seen timestamptz, running boolean)
      LANGUAGE sql STABLE AS $$
        WITH o AS (
          SELECT o.cluster_id, o.namespace, coalesce(o.workload_kind, '') AS wk, coalesce(o.workload_name, '') AS wn, o.image_digest AS d, o.image_ref AS ref,
                 o.first_seen AS f, o.last_seen AS l, o.running,
                 CASE WHEN o.running THEN 'infinity'::timestamptz ELSE o.last_seen END AS e
            FROM observations o
           WHERE o.org_id = p_org AND (o.running OR o.last_seen > o.first_seen)
        ), p AS (
          SELECT o.*, max(o.e) OVER (PARTITION BY o.cluster_id, o.namespace, o.wk, o.wn, o.d, o.ref ORDER BY o.f, o.e
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e
            FROM o
        ), i AS (
          SELECT p.*, count(*) FILTER (WHERE p.prev_e IS NULL OR p.f > p.prev_e + vigil_workload_run_gap())
                        OVER (PARTITION BY p.cluster_id, p.namespace, p.wk, p.wn, p.d, p.ref ORDER BY p.f, p.e ROWS UNBOUNDED PRECEDING) AS island
            FROM p
        )
        SELECT i.cluster_id, i.namespace, i.wk, i.wn, i.d, i.ref, min(i.f), max(i.l), bool_or(i.running)
          FROM i GROUP BY i.cluster_id, i.namespace, i.wk, i.wn, i.d, i.ref, i.island
      $$`);
    await q.query(`
      CREATE FUNCTION vigil_rebuild_workload_image_runs(p_org uuid) RETURNS bigint LANGUAGE sql AS $$
        DELETE FROM workload_image_runs WHERE org_id = p_org;
        WITH ins AS (
          INSERT INTO workload_image_runs (org_id, cluster_id, namespace, workload_kind, workload_name, image_digest, image_ref, first_seen, last_seen, running)
          SELECT p_org, r.* FROM vigil_workload_image_runs_of(p_org) r
          RETURNING 1)
        SELECT count(*) FROM ins;
      $$`);
    const fns = 'vigil_workload_image_runs_of(uuid), vigil_rebuild_workload_image_runs(uuid)';
    await q.query(`REVOKE ALL ON FUNCTION ${fns} FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION ${fns} TO vigil_app`);

    await q.query(`SELECT vigil_rebuild_workload_image_runs(id) FROM organizations ORDER BY id`);
    await q.query(`ANALYZE workload_image_runs`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS vigil_rebuild_workload_image_runs(uuid), vigil_workload_image_runs_of(uuid), vigil_workload_run_gap()`);
    await q.query(`DROP TABLE IF EXISTS workload_image_runs`);
  }
}
