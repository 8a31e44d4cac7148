import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Query paths measured by bench/inventory-history: list queries page by id, so
 * their indexes end in id; and "what ran at T" goes through a GiST probe that
 * row-level security would forbid (range containment is not leakproof), so it
 * runs in a SECURITY DEFINER function that applies the same org filter itself.
 */
export class InventoryQueryPaths1795820000000 implements MigrationInterface {
  name = 'InventoryQueryPaths1795820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX observations_running_id ON observations (org_id, id) WHERE running`);
    await q.query(`CREATE INDEX observations_cluster_running_id ON observations (org_id, cluster_id, id) WHERE running`);
    await q.query(`CREATE INDEX observations_digest_id ON observations (org_id, image_digest, id)`);

    // The org comes from the transaction's app.org_id, exactly as RLS would take it.
    await q.query(`
      CREATE FUNCTION vigil_observations_active_at(
        p_at timestamptz, p_cluster_ids uuid[], p_namespace text, p_workload_kind text, p_workload_name text,
        p_digest text, p_ref text, p_after bigint, p_limit integer)
      RETURNS SETOF observations
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
        WITH active AS MATERIALIZED (
          SELECT * FROM observations o
           WHERE o.org_id = vigil_current_org() AND o.active_during @> p_at
             AND (p_cluster_ids IS NULL OR o.cluster_id = ANY(p_cluster_ids))
        )
        SELECT * FROM active a
         WHERE a.id > COALESCE(p_after, 0)
           AND (p_namespace IS NULL OR a.namespace = p_namespace)
           AND (p_workload_kind IS NULL OR a.workload_kind = p_workload_kind)
           AND (p_workload_name IS NULL OR a.workload_name = p_workload_name)
           AND (p_digest IS NULL OR a.image_digest = p_digest)
           AND (p_ref IS NULL OR a.image_ref = p_ref)
         ORDER BY a.id
         LIMIT p_limit
      $$`);
    await q.query(`REVOKE ALL ON FUNCTION vigil_observations_active_at(timestamptz, uuid[], text, text, text, text, text, bigint, integer) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION vigil_observations_active_at(timestamptz, uuid[], text, text, text, text, text, bigint, integer) TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS vigil_observations_active_at(timestamptz, uuid[], text, text, text, text, text, bigint, integer)`);
    await q.query(`DROP INDEX IF EXISTS observations_digest_id, observations_cluster_running_id, observations_running_id`);
  }
}
