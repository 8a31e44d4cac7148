// Thirteen months of inventory history for one org, generated inside Postgres
// (INSERT ... SELECT FROM generate_series), shaped like a real fleet:
//  * ~3,000 workloads over 8 clusters and 30 namespaces, popularity skewed
//    (a few workloads own most pods); Deployments, StatefulSets, DaemonSets,
//    CronJobs;
//  * every pod runs its app container; 70% of non-CronJob pods an istio-proxy
//    sidecar, 50% an init container that exits after seconds;
//  * app images are rebuilt every 5-60 days per workload (~50k digests over
//    13 months), sidecar and init images roll every 45 / 30 days (a handful of
//    very hot digests);
//  * pod lifetimes are log-uniform: CronJob pods 1-30 min, Deployments 2 min
//    to 2 weeks, StatefulSets/DaemonSets 1 hour to 8 weeks; whatever has not
//    ended by now is still running;
//  * rows are inserted in time order with up to an hour of jitter, as agents
//    report them, so ids correlate with first_seen as in production.
import type { Client } from 'pg';
import { NAMESPACES } from './inventory-workload';
import { fmtInt, log, now, secondsSince } from './stats';

export const HISTORY_DAYS = 395;
export const WORKLOADS = 3000;
/** Expected rows per pod: app 1 + init 0.5 + sidecar 0.7 × 0.9 (no sidecar in CronJob pods). */
const ROWS_PER_POD = 1 + 0.5 + 0.7 * 0.9;
const PODS_PER_STATEMENT = 500_000;

const WORDS = ['api', 'worker', 'consumer', 'scheduler', 'frontend', 'backend', 'sync', 'indexer', 'exporter', 'proxy', 'cache', 'gateway'];

const sqlArray = (items: readonly string[]) => `ARRAY[${items.map((s) => `'${s.replace(/'/g, "''")}'`).join(',')}]::text[]`;

/**
 * One statement: pods [lo, hi) of `totalPods`, at most `limit` rows.
 * $1 org id, $2 cluster ids (uuid[]), $3 the end of the window ("now").
 */
export function insertSql(lo: number, hi: number, totalPods: number, limit: number): string {
  const windowSeconds = HISTORY_DAYS * 86400 - 3600;
  return `
INSERT INTO observations (org_id, cluster_id, pod_uid, namespace, pod_name, workload_kind, workload_name, node,
                          container_name, container_type, image_ref, image_digest, first_seen, last_seen, running)
SELECT $1::uuid, p.cluster_id, p.pod_uid, p.ns, p.pod_name, p.kind, p.wl_name, p.node,
       c.name, c.type, c.ref, c.digest, c.first_seen, c.last_seen, c.running
FROM (
  SELECT q.*,
         ($2::uuid[])[1 + q.w % cardinality($2::uuid[])] AS cluster_id,
         md5('pod:' || q.i)::uuid::text AS pod_uid,
         CASE q.kind WHEN 'StatefulSet' THEN q.wl_name || '-' || (q.i % 7)
                     WHEN 'CronJob' THEN q.wl_name || '-' || (28000000 + q.i / 50) || '-' || substr(md5(q.i::text), 1, 5)
                     WHEN 'DaemonSet' THEN q.wl_name || '-' || substr(md5(q.i::text), 1, 5)
                     ELSE q.wl_name || '-' || substr(md5(q.w || ':' || q.version), 1, 10) || '-' || substr(md5(q.i::text), 1, 5) END AS pod_name,
         'ip-10-' || (q.w % 8) || '-' || floor(q.r_node * 256)::int || '-' || floor(q.r_node * 65536)::int % 256 || '.eu-west-1.compute.internal' AS node,
         'registry.acme.example/' || q.ns || '/' || q.wl_name || ':1.' || q.version || '.' || (q.w % 10) AS app_ref,
         'sha256:' || encode(sha256(convert_to('app:' || q.w || ':' || q.version, 'UTF8')), 'hex') AS app_digest,
         floor(q.offset_days / 45)::int AS istio_k,
         floor(q.offset_days / 30)::int AS init_k,
         q.start + q.dur > $3::timestamptz AS alive,
         CASE WHEN q.start + q.dur > $3::timestamptz THEN greatest(q.start + interval '5 seconds', $3::timestamptz - q.r_jit * interval '60 seconds')
              ELSE q.start + q.dur END AS app_last
  FROM (
    SELECT b.*,
           (${sqlArray(NAMESPACES)})[1 + (b.w / 8) % ${NAMESPACES.length}] AS ns,
           split_part((${sqlArray(NAMESPACES)})[1 + (b.w / 8) % ${NAMESPACES.length}], '-', 1) || '-' || (${sqlArray(WORDS)})[1 + b.w % ${WORDS.length}] || '-' || b.w AS wl_name,
           floor((b.offset_days + (b.w * 31) % (5 + (b.w * 7919) % 56)) / (5 + (b.w * 7919) % 56))::int AS version,
           CASE b.kind WHEN 'CronJob' THEN interval '1 second' * (60 + b.r_dur * 1740)
                       WHEN 'Deployment' THEN interval '1 second' * exp(ln(120) + b.r_dur * (ln(14 * 86400) - ln(120)))
                       ELSE interval '1 second' * exp(ln(3600) + b.r_dur * (ln(56 * 86400) - ln(3600))) END AS dur
    FROM (
      SELECT a.*,
             CASE a.w % 10 WHEN 7 THEN 'StatefulSet' WHEN 8 THEN 'DaemonSet' WHEN 9 THEN 'CronJob' ELSE 'Deployment' END AS kind,
             extract(epoch FROM a.start - ($3::timestamptz - interval '${HISTORY_DAYS} days')) / 86400 AS offset_days
      FROM (
        SELECT i, r.w, r.r_dur, r.r_jit, r.r_node, r.r_side, r.r_init,
               least($3::timestamptz - interval '1 second',
                     $3::timestamptz - interval '${HISTORY_DAYS} days'
                       + interval '1 second' * (${windowSeconds}::float8 * i / ${totalPods})
                       + interval '1 second' * (r.r_jit * 3600)) AS start
        FROM generate_series(${lo}, ${hi - 1}) AS i,
             LATERAL (SELECT floor(${WORKLOADS} * power(random(), 2.2))::int AS w, random() AS r_dur, random() AS r_jit,
                             random() AS r_node, random() AS r_side, random() AS r_init, i AS anchor) r
        OFFSET 0
      ) a
      OFFSET 0
    ) b
    OFFSET 0
  ) q
  OFFSET 0
) p
CROSS JOIN LATERAL (VALUES
  (p.r_init < 0.5, 'config-init', 'init',
   'registry.acme.example/platform/config-init:2.' || p.init_k || '.0',
   'sha256:' || encode(sha256(convert_to('init:' || p.init_k, 'UTF8')), 'hex'),
   p.start, p.start + interval '1 second' * (2 + p.r_jit * 4), false),
  (true, 'app', 'container', p.app_ref, p.app_digest, p.start + interval '5 seconds', greatest(p.start + interval '5 seconds', p.app_last), p.alive),
  (p.r_side < 0.7 AND p.kind <> 'CronJob', 'istio-proxy', 'container',
   'docker.io/istio/proxyv2:1.' || (16 + p.istio_k) || '.0',
   'sha256:' || encode(sha256(convert_to('istio:' || p.istio_k, 'UTF8')), 'hex'),
   p.start + interval '4 seconds', greatest(p.start + interval '4 seconds', p.app_last), p.alive)
) AS c(present, name, type, ref, digest, first_seen, last_seen, running)
WHERE c.present
LIMIT ${limit}`;
}

interface SavedIndex {
  name: string;
  def: string;
  constraint: string | null;
  gist: boolean;
}

/** Secondary indexes and unique constraints of `observations`, as the migrations made them. */
async function secondaryIndexes(client: Client): Promise<SavedIndex[]> {
  const { rows } = await client.query<{ name: string; def: string; conname: string | null; contype: string | null; am: string }>(`
    SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def, c.conname, c.contype, am.amname AS am
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_am am ON am.oid = i.relam
      LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
     WHERE x.indrelid = 'observations'::regclass AND NOT x.indisprimary
     ORDER BY i.relname`);
  for (const r of rows) {
    if (r.contype && r.contype !== 'u') throw new Error(`observations: index ${r.name} backs a constraint of type ${r.contype}; the generator only knows unique constraints`);
  }
  return rows.map((r) => ({ name: r.name, def: r.def, constraint: r.conname, gist: r.am === 'gist' }));
}

export interface GeneratedHistory {
  rows: number;
  seconds: { insert: number; images: number; indexes: number; vacuum: number; runs: number };
  /** Rows of workload_image_runs the rebuild made from the observations. */
  runs: number;
  windowEnd: Date;
}

/**
 * Fills `observations` (and `images`, `image_references`, `workload_image_runs`) of an org whose
 * clusters exist. Bulk-load practice: secondary indexes and the unique
 * constraint are dropped during the load and rebuilt afterwards with the exact
 * definitions the migration created; FK checks are skipped (the rows are valid
 * by construction). Ends with VACUUM ANALYZE, as autovacuum would after a load.
 */
export async function generateHistory(clients: [Client, Client], orgId: string, clusterIds: string[], targetRows: number): Promise<GeneratedHistory> {
  const [a, b] = clients;
  const windowEnd = new Date();
  const totalPods = Math.ceil(targetRows / ROWS_PER_POD);
  const saved = await secondaryIndexes(a);
  for (const ix of saved) {
    await a.query(ix.constraint ? `ALTER TABLE observations DROP CONSTRAINT "${ix.constraint}"` : `DROP INDEX "${ix.name}"`);
  }

  await a.query(`SET session_replication_role = replica`);
  await a.query(`SET work_mem = '256MB'`);
  await a.query(`SELECT setseed(0.4242)`);
  let inserted = 0;
  const t0 = now();
  const maxStatements = Math.ceil((totalPods * 2) / PODS_PER_STATEMENT) + 2;
  for (let s = 0, lo = 0; s < maxStatements && inserted < targetRows; s++, lo += PODS_PER_STATEMENT) {
    const res = await a.query(insertSql(lo, lo + PODS_PER_STATEMENT, totalPods, targetRows - inserted), [orgId, clusterIds, windowEnd]);
    inserted += res.rowCount ?? 0;
    log(`  generated ${fmtInt(inserted)} / ${fmtInt(targetRows)} observations (${secondsSince(t0).toFixed(0)} s)`);
  }
  await a.query(`RESET session_replication_role`);
  const insertSeconds = secondsSince(t0);

  // images and image_references from one pass over the observations.
  const t1 = now();
  await a.query(
    `CREATE TEMP TABLE bench_refs AS
     SELECT image_digest AS digest, image_ref AS ref, min(first_seen) AS f, max(last_seen) AS l
       FROM observations WHERE org_id = $1 GROUP BY image_digest, image_ref`,
    [orgId],
  );
  await a.query(`INSERT INTO images (org_id, digest, first_seen, last_seen) SELECT $1, digest, min(f), max(l) FROM bench_refs GROUP BY digest`, [orgId]);
  await a.query(`INSERT INTO image_references (org_id, digest, ref, first_seen, last_seen) SELECT $1, digest, ref, f, l FROM bench_refs`, [orgId]);
  await a.query(`DROP TABLE bench_refs`);
  const imagesSeconds = secondsSince(t1);

  // Rebuild on two connections (2 cores): the GiST index on one, the btrees on the other.
  const t2 = now();
  const build = async (client: Client, list: SavedIndex[]) => {
    await client.query(`SET maintenance_work_mem = '1GB'`);
    for (const ix of list) {
      await client.query(ix.def);
      if (ix.constraint) await client.query(`ALTER TABLE observations ADD CONSTRAINT "${ix.constraint}" UNIQUE USING INDEX "${ix.name}"`);
    }
    await client.query(`RESET maintenance_work_mem`);
  };
  await Promise.all([build(a, saved.filter((i) => i.gist)), build(b, saved.filter((i) => !i.gist))]);
  const indexSeconds = secondsSince(t2);

  const t3 = now();
  await a.query(`VACUUM (ANALYZE) observations`);
  await a.query(`ANALYZE images`);
  await a.query(`ANALYZE image_references`);
  const vacuumSeconds = secondsSince(t3);

  // The exposure rollup, as the migration backfills it (ingest keeps it up to date afterwards).
  const t4 = now();
  await a.query(`SET work_mem = '512MB'`);
  const runs = Number((await a.query<{ n: string }>(`SELECT vigil_rebuild_workload_image_runs($1) AS n`, [orgId])).rows[0].n);
  await a.query(`RESET work_mem`);
  await a.query(`VACUUM (ANALYZE) workload_image_runs`);
  await a.query(`VACUUM (ANALYZE) workload_images`);
  const runsSeconds = secondsSince(t4);
  log(`  workload_image_runs: ${fmtInt(runs)} runs from the observations (${runsSeconds.toFixed(0)} s)`);
  return { rows: inserted, seconds: { insert: insertSeconds, images: imagesSeconds, indexes: indexSeconds, vacuum: vacuumSeconds, runs: runsSeconds }, windowEnd, runs };
}
