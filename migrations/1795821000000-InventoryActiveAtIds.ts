import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * "What ran at T", second pass (bench/inventory-history: p95 225 ms at 10M
 * rows, all of it spent fetching and sorting the ~50k rows active at T).
 * A covering GiST index answers the probe with ids alone; only the page of
 * rows actually returned is read from the table.
 */
export class InventoryActiveAtIds1795821000000 implements MigrationInterface {
  name = 'InventoryActiveAtIds1795821000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX observations_active_ids ON observations USING gist (org_id, active_during) INCLUDE (id, cluster_id)`);
    // Same keys as the new index: keeping both would only slow every ingest.
    await q.query(`DROP INDEX observations_active`);
    await q.query(`
      CREATE OR REPLACE FUNCTION vigil_observations_active_at(
        p_at timestamptz, p_cluster_ids uuid[], p_namespace text, p_workload_kind text, p_workload_name text,
        p_digest text, p_ref text, p_after bigint, p_limit integer)
      RETURNS SETOF observations
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        SELECT o.* FROM (
          SELECT a.id FROM observations a
           WHERE a.org_id = vigil_current_org() AND a.active_during @> p_at
             AND (p_cluster_ids IS NULL OR a.cluster_id = ANY(p_cluster_ids))
             AND a.id > COALESCE(p_after, 0)
        ) ids
        JOIN observations o ON o.id = ids.id
        WHERE (p_namespace IS NULL OR o.namespace = p_namespace)
          AND (p_workload_kind IS NULL OR o.workload_kind = p_workload_kind)
          AND (p_workload_name IS NULL OR o.workload_name = p_workload_name)
          AND (p_digest IS NULL OR o.image_digest = p_digest)
          AND (p_ref IS NULL OR o.image_ref = p_ref)
        ORDER BY o.id
        LIMIT p_limit
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX observations_active ON observations USING gist (org_id, active_during)`);
    await q.query(`DROP INDEX IF EXISTS observations_active_ids`);
  }
}
