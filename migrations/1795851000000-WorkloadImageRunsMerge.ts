import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inventory ingest folded its observations into workload_image_runs with one
 * large statement per batch (the CTE chain below), sent as an unnamed
 * statement: Postgres planned it on every batch, 8-20 ms on the ingest
 * benchmark's database against 0.6 ms for the closing statement it rode with.
 * As a PL/pgSQL function its plan is cached per connection. It runs as its own
 * statement after the batch's upserts and closes, so it reads every touched
 * observation as committed by them (no RETURNING bookkeeping).
 *
 * `p_pods`: the batch's pods (every observation of them is considered);
 * `p_ids`: observations closed by a finished snapshot. The rules are those
 * described in libs/inventory inventory-ingest.repository.ts; the rebuild
 * function (WorkloadImageRuns) is the definition they are tested against.
 */
export class WorkloadImageRunsMerge1795851000000 implements MigrationInterface {
  name = 'WorkloadImageRunsMerge1795851000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION vigil_merge_workload_image_runs(p_org uuid, p_cluster uuid, p_pods text[], p_ids bigint[]) RETURNS bigint
      LANGUAGE plpgsql AS $fn$
      DECLARE
        changed bigint;
      BEGIN
       WITH touched AS (
         -- one probe of the (org, cluster, pod) key per pod, whatever the estimates: pod_uid = ANY(...), or
         -- this subquery pulled up into a join, was planned as a scan of every observation of the cluster
         -- on a fresh table (OFFSET 0 keeps it a per-pod subquery)
         SELECT o.id, o.cluster_id, o.namespace, o.workload_kind, o.workload_name, o.image_digest, o.image_ref, o.first_seen, o.last_seen, o.running
           FROM unnest(p_pods) AS p(uid)
           CROSS JOIN LATERAL (SELECT * FROM observations o WHERE o.org_id = p_org AND o.cluster_id = p_cluster AND o.pod_uid = p.uid OFFSET 0) o
         UNION
         SELECT o.id, o.cluster_id, o.namespace, o.workload_kind, o.workload_name, o.image_digest, o.image_ref, o.first_seen, o.last_seen, o.running
           FROM observations o WHERE o.org_id = p_org AND o.id = ANY(p_ids)
       ),
       runs_t AS (
         SELECT cluster_id, namespace, coalesce(workload_kind, '') AS wk, coalesce(workload_name, '') AS wn, image_digest AS d, image_ref AS ref,
                min(first_seen) AS f, max(last_seen) AS l, true AS running, true AS member
           FROM touched WHERE running
          GROUP BY 1, 2, 3, 4, 5, 6
         UNION ALL
         -- a closed row with an empty interval is in no run (as in the rebuild), but may end a running one
         SELECT cluster_id, namespace, coalesce(workload_kind, ''), coalesce(workload_name, ''), image_digest, image_ref, first_seen, last_seen, false,
                last_seen > first_seen
           FROM touched WHERE NOT running
       ), runs_need AS (
         SELECT t.* FROM runs_t t
          -- a scalar sub-select stays a per-row index probe whatever the estimates (never a join over all runs)
          WHERE NOT (SELECT EXISTS (
            SELECT 1 FROM workload_image_runs r
             WHERE r.org_id = p_org AND r.image_digest = t.d AND r.cluster_id = t.cluster_id AND r.namespace = t.namespace
               AND r.workload_kind = t.wk AND r.workload_name = t.wn AND r.image_ref = t.ref AND r.first_seen <= t.f
               AND t.l <= r.last_seen + interval '1 minute' AND r.running = t.running))
       ), runs_cand AS (
         -- Per group (in key order, so concurrent batches lock in the same order), its runs from the
         -- one holding f - gap (runs are disjoint: earlier ones end before it) to e + gap, index probes only.
         SELECT c.* FROM (
           SELECT cluster_id, namespace, wk, wn, d, ref, min(f) - vigil_workload_run_gap() AS lo,
                  max(CASE WHEN running THEN 'infinity'::timestamptz ELSE l END) + vigil_workload_run_gap() AS hi
             FROM runs_need GROUP BY 1, 2, 3, 4, 5, 6
            ORDER BY d, cluster_id, namespace, wk, wn, ref) n
         CROSS JOIN LATERAL (
           SELECT r.id, r.cluster_id, r.namespace, r.workload_kind AS wk, r.workload_name AS wn, r.image_digest AS d, r.image_ref AS ref,
                  r.first_seen AS f, r.last_seen AS l, r.running
             FROM workload_image_runs r
            WHERE r.org_id = p_org AND r.image_digest = n.d AND r.cluster_id = n.cluster_id AND r.namespace = n.namespace
              AND r.workload_kind = n.wk AND r.workload_name = n.wn AND r.image_ref = n.ref
              AND r.first_seen <= n.hi
              AND r.first_seen >= coalesce((
                    SELECT r0.first_seen FROM workload_image_runs r0
                     WHERE r0.org_id = p_org AND r0.image_digest = n.d AND r0.cluster_id = n.cluster_id AND r0.namespace = n.namespace
                       AND r0.workload_kind = n.wk AND r0.workload_name = n.wn AND r0.image_ref = n.ref AND r0.first_seen <= n.lo
                     ORDER BY r0.first_seen DESC LIMIT 1), '-infinity'::timestamptz)
              AND (r.running OR r.last_seen >= n.lo)
            ORDER BY r.first_seen
            FOR UPDATE OF r) c
       ), runs_cand_open AS MATERIALIZED (
         SELECT c.*, c.running AND EXISTS (
                  SELECT 1 FROM observations o
                   WHERE o.org_id = p_org AND o.cluster_id = c.cluster_id AND o.image_digest = c.d AND o.running
                     AND o.namespace = c.namespace AND coalesce(o.workload_kind, '') = c.wk AND coalesce(o.workload_name, '') = c.wn
                     AND o.image_ref = c.ref AND o.first_seen >= c.f AND o.first_seen <= c.l + interval '1 minute') AS open
           FROM runs_cand c
       ), runs_u AS (
         SELECT cluster_id, namespace, wk, wn, d, ref, f, CASE WHEN running THEN 'infinity'::timestamptz ELSE l END AS e, l, running, NULL::bigint AS run_id FROM runs_need WHERE member
         UNION ALL
         SELECT cluster_id, namespace, wk, wn, d, ref, f, CASE WHEN open THEN 'infinity'::timestamptz ELSE l END, l, open, id FROM runs_cand_open
       ), runs_p AS (
         SELECT u.*, max(e) OVER (PARTITION BY cluster_id, namespace, wk, wn, d, ref ORDER BY f, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_e FROM runs_u u
       ), runs_i AS (
         SELECT p.*, count(*) FILTER (WHERE prev_e IS NULL OR f > prev_e + vigil_workload_run_gap())
                       OVER (PARTITION BY cluster_id, namespace, wk, wn, d, ref ORDER BY f, e ROWS UNBOUNDED PRECEDING) AS island
           FROM runs_p p
       ), runs_s AS (
         SELECT cluster_id, namespace, wk, wn, d, ref, min(f) AS f, max(l) AS l, bool_or(running) AS running, min(run_id) AS keep_id,
                array_remove(array_agg(run_id), NULL) AS run_ids
           FROM runs_i GROUP BY cluster_id, namespace, wk, wn, d, ref, island
       ), runs_ins AS (
         INSERT INTO workload_image_runs (org_id, cluster_id, namespace, workload_kind, workload_name, image_digest, image_ref, first_seen, last_seen, running)
         SELECT p_org, cluster_id, namespace, wk, wn, d, ref, f, l, running FROM runs_s WHERE keep_id IS NULL
         RETURNING 1
       ), runs_groups AS (
         -- a group's first run also lists the group (exposure walks groups); key order, as concurrent inserts wait on each other
         INSERT INTO workload_images (org_id, image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref)
         SELECT DISTINCT p_org::uuid, d, cluster_id, namespace, wk, wn, ref FROM runs_s WHERE keep_id IS NULL
          ORDER BY 2, 3, 4, 5, 6, 7
         ON CONFLICT DO NOTHING
         RETURNING 1
       ), runs_upd AS (
         UPDATE workload_image_runs r SET first_seen = s.f, last_seen = s.l, running = s.running
           FROM runs_s s
          WHERE r.id = s.keep_id
            AND (r.first_seen <> s.f OR r.running <> s.running OR s.l > r.last_seen + interval '1 minute' OR cardinality(s.run_ids) > 1)
          RETURNING 1
       ), runs_del AS (
         -- ids as a set, so the primary key serves the delete whatever the statistics say
         DELETE FROM workload_image_runs r
          WHERE r.id IN (SELECT x.id FROM runs_s s CROSS JOIN LATERAL unnest(s.run_ids) AS x(id) WHERE x.id <> s.keep_id)
          RETURNING 1
       )
       SELECT (SELECT count(*) FROM runs_ins) + (SELECT count(*) FROM runs_upd) + (SELECT count(*) FROM runs_del) + (SELECT count(*) FROM runs_groups)
         INTO changed;
        RETURN changed;
      END $fn$`);
    await q.query(`REVOKE ALL ON FUNCTION vigil_merge_workload_image_runs(uuid, uuid, text[], bigint[]) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION vigil_merge_workload_image_runs(uuid, uuid, text[], bigint[]) TO vigil_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS vigil_merge_workload_image_runs(uuid, uuid, text[], bigint[])`);
  }
}
