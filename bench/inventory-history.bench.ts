// Inventory history: 10 million observations over 13 months for one org
// (generated in Postgres), then latency of the real HTTP API for "what ran at
// T" and "where did this digest run", beside the floors measured in the same
// run: the same HTTP stack answering a primary-key lookup, and bare Postgres
// round trips. Prints EXPLAIN (ANALYZE, BUFFERS) of the platform's own SQL,
// captured from the API as it ran.
//
//   npm run build && node dist/bench/inventory-history.bench.js
//   BENCH_OBSERVATIONS=1000000 (default 10000000)  BENCH_HISTORY_REQUESTS=300
import { BenchPlatform, HttpClient, connect, expectStatus } from './support/bench-platform';
import { generateHistory, HISTORY_DAYS } from './support/history-data';
import { CapturedQuery, captureQueries } from './support/sql-capture';
import { envInt, fmtInt, fmtMs, LatencySummary, log, msSince, now, secondsSince, seededRandom, summarize, table } from './support/stats';
import type { Client } from 'pg';
import { loadavg } from 'node:os';

const CLUSTERS = 8;
const TARGET_P95_MS = 100;
const WARMUP_REQUESTS = 5;
const OBSERVATIONS_QUERY = /\bobservations\b/i;

interface Measured {
  label: string;
  summary: LatencySummary;
  avgItems?: number;
}

async function timeHttp(http: HttpClient, token: string, paths: readonly string[], label: string, problems: string[], budgetSeconds: number): Promise<Measured> {
  const samples: number[] = [];
  let items = 0;
  const start = now();
  for (const path of paths) {
    // A time budget bounds the run when a query shape is slow (n then says how many were measured).
    if (samples.length >= 10 && secondsSince(start) > budgetSeconds) break;
    const t = now();
    const res = await http.json('GET', path, { token });
    samples.push(msSince(t));
    if (res.status !== 200) {
      if (problems.length < 10) problems.push(`${label}: GET ${path} → HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    } else if (Array.isArray(res.body?.items)) {
      items += res.body.items.length;
    }
  }
  return { label, summary: summarize(samples), avgItems: items / Math.max(1, samples.length) };
}

async function timePg(client: Client, label: string, count: number, query: (i: number) => [string, unknown[]]): Promise<Measured> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const [text, values] = query(i);
    const t = now();
    await client.query(text, values);
    samples.push(msSince(t));
  }
  return { label, summary: summarize(samples) };
}

/** EXPLAIN (ANALYZE, BUFFERS) of a captured statement, under the API's role and org (so RLS applies as it did). */
async function explain(client: Client, orgId: string, q: CapturedQuery): Promise<string> {
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL ROLE vigil_app');
    await client.query(`SELECT set_config('app.org_id', $1, true)`, [orgId]);
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.text}`, q.values);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query('ROLLBACK');
  }
}

function describeValues(values: readonly unknown[]): string {
  return values
    .map((v, i) => `$${i + 1}=${v instanceof Date ? v.toISOString() : Array.isArray(v) ? `[${v.length} items]` : JSON.stringify(v)}`)
    .join(' ');
}

export async function runInventoryHistoryBench(): Promise<boolean> {
  const target = envInt('BENCH_OBSERVATIONS', 10_000_000, 10_000, 100_000_000);
  const requests = envInt('BENCH_HISTORY_REQUESTS', 300, 10, 10_000);
  const budget = envInt('BENCH_HISTORY_SECONDS_PER_SHAPE', 60, 5, 3600);
  const benchStart = now();
  log(`\n== inventory history: ${fmtInt(target)} observations over ${HISTORY_DAYS} days, one org, ${CLUSTERS} clusters; ${requests} requests per query shape (at most ${budget} s each) ==`);
  log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const platform = await BenchPlatform.start();
  const problems: string[] = [];
  const admin: Client[] = [];
  try {
    const tenant = await platform.createTenant('bench-history');
    const clusterIds: string[] = [];
    for (let i = 0; i < CLUSTERS; i++) clusterIds.push(await platform.createCluster(tenant, `bench-history-${i}`));
    admin.push(await connect(platform.database.url, 'vigil-bench-generate'), await connect(platform.database.url, 'vigil-bench-generate-2'));
    const [db, db2] = admin;

    log('generating history in Postgres (INSERT ... SELECT FROM generate_series):');
    const gen = await generateHistory([db, db2], tenant.orgId, clusterIds, target);
    log(
      `generated ${fmtInt(gen.rows)} rows: insert ${gen.seconds.insert.toFixed(0)} s, images ${gen.seconds.images.toFixed(0)} s, ` +
        `index rebuild ${gen.seconds.indexes.toFixed(0)} s, VACUUM ANALYZE ${gen.seconds.vacuum.toFixed(0)} s`,
    );

    const windowStart = gen.windowEnd.getTime() - HISTORY_DAYS * 86400_000;
    const mid = new Date(windowStart + (HISTORY_DAYS / 2) * 86400_000);
    const stats = (
      await db.query(
        `SELECT (SELECT count(*) FROM images WHERE org_id = $1) AS digests,
                (SELECT count(*) FROM observations WHERE org_id = $1 AND running) AS running,
                (SELECT count(DISTINCT pod_uid) FROM observations WHERE org_id = $1 AND running) AS running_pods,
                (SELECT count(*) FROM observations WHERE org_id = $1 AND active_during @> $2::timestamptz) AS active_mid,
                pg_size_pretty(pg_table_size('observations')) AS table_size,
                pg_size_pretty(pg_indexes_size('observations')) AS index_size`,
        [tenant.orgId, mid],
      )
    ).rows[0];
    log(
      `dataset: ${fmtInt(Number(stats.digests))} digests; ${fmtInt(Number(stats.running))} containers in ${fmtInt(Number(stats.running_pods))} pods running now; ` +
        `${fmtInt(Number(stats.active_mid))} containers active at mid-window; table ${stats.table_size}, indexes ${stats.index_size}`,
    );

    // The query mix (deterministic): uniform instants over the window; uniform digests; the hottest digests.
    const rand = seededRandom(20240601);
    const instant = () => new Date(windowStart + rand() * (gen.windowEnd.getTime() - windowStart)).toISOString();
    const atPaths = Array.from({ length: requests }, () => `/v1/inventory/containers?at=${encodeURIComponent(instant())}&limit=100`);
    const digests = (await db.query<{ digest: string }>(`SELECT digest FROM images WHERE org_id = $1 ORDER BY md5(digest || 'bench') LIMIT $2`, [tenant.orgId, requests])).rows.map((r) => r.digest);
    const hot = (
      await db.query<{ digest: string; n: string }>(
        `SELECT image_digest AS digest, count(*) AS n FROM observations WHERE org_id = $1 GROUP BY image_digest ORDER BY count(*) DESC LIMIT 5`,
        [tenant.orgId],
      )
    ).rows;
    const digestPath = (d: string) => `/v1/inventory/containers?image=${d}&running=all&limit=100`;
    const digestPaths = Array.from({ length: requests }, (_, i) => digestPath(digests[i % digests.length]));
    const hotPaths = Array.from({ length: Math.max(10, Math.floor(requests / 6)) }, (_, i) => digestPath(hot[i % hot.length].digest));
    const nowPaths = Array.from({ length: Math.max(10, Math.floor(requests / 3)) }, () => `/v1/inventory/containers?running=true&limit=100`);
    log(`hottest digests: ${hot.map((h) => `${h.digest.slice(7, 19)}… ${fmtInt(Number(h.n))} rows`).join(', ')}`);

    // Warm-up (not timed); the first request of each shape also captures the SQL the API sends.
    const token = tenant.ownerToken;
    const captured: { label: string; query: CapturedQuery | undefined }[] = [];
    const shapes: [string, string[]][] = [
      ['?at=<instant>', atPaths],
      ['?image=<digest>&running=all', digestPaths],
      ['?image=<hottest digest>&running=all', hotPaths],
      ['?running=true (now)', nowPaths],
    ];
    for (const [label, paths] of shapes) {
      const found = await captureQueries(OBSERVATIONS_QUERY, async () => {
        const res = await platform.http.json('GET', paths[0], { token });
        expectStatus(res, 200, `GET ${paths[0]}`);
      });
      captured.push({ label, query: found[found.length - 1] });
      for (let i = 1; i < WARMUP_REQUESTS; i++) await platform.http.json('GET', paths[i % paths.length], { token });
    }
    const group = await platform.http.json('GET', `/v1/groups/${tenant.rootGroupId}`, { token });
    expectStatus(group, 200, 'GET /v1/groups/:id');

    log('measuring (one request at a time) ...');
    const results: Measured[] = [];
    results.push(await timeHttp(platform.http, token, atPaths, 'GET /v1/inventory/containers?at=<random instant>&limit=100', problems, budget));
    results.push(await timeHttp(platform.http, token, digestPaths, 'GET …?image=<random digest>&running=all&limit=100', problems, budget));
    results.push(await timeHttp(platform.http, token, hotPaths, `GET …?image=<5 hottest digests>&running=all&limit=100`, problems, budget));
    results.push(await timeHttp(platform.http, token, nowPaths, 'GET …?running=true&limit=100 (what runs now)', problems, budget));
    const groupPaths = Array.from({ length: requests }, () => `/v1/groups/${tenant.rootGroupId}`);
    results.push(await timeHttp(platform.http, token, groupPaths, 'baseline: GET /v1/groups/:id (same HTTP+auth stack, PK lookup)', problems, budget));
    const maxId = Number((await db.query<{ m: string }>('SELECT max(id) AS m FROM observations')).rows[0].m);
    results.push(await timePg(db, 'baseline: SELECT 1 (pg, loopback)', requests, () => ['SELECT 1', []]));
    results.push(
      await timePg(db, 'baseline: SELECT * FROM observations WHERE id = $1 (pg)', requests, () => ['SELECT * FROM observations WHERE id = $1', [1 + Math.floor(rand() * maxId)]]),
    );

    log();
    log(
      table(
        ['query', 'n', 'p50', 'p95', 'p99', 'max', 'items/resp'],
        results.map((r) => [r.label, String(r.summary.count), fmtMs(r.summary.p50), fmtMs(r.summary.p95), fmtMs(r.summary.p99), fmtMs(r.summary.max), r.avgItems === undefined ? '' : r.avgItems.toFixed(0)]),
      ),
    );
    const meets = (m: Measured) => `${m.summary.p95 < TARGET_P95_MS ? 'met' : 'NOT met'} (p95 ${fmtMs(m.summary.p95)})`;
    log(`target p95 < ${TARGET_P95_MS} ms — at=: ${meets(results[0])}; per-digest history: ${meets(results[1])}; hottest digests: ${meets(results[2])}`);

    for (const { label, query } of captured) {
      log(`\n-- EXPLAIN (ANALYZE, BUFFERS) of the SQL the API ran for ${label}`);
      if (!query) {
        log('(no statement on observations was captured)');
        continue;
      }
      log(`-- ${query.text.replace(/\s+/g, ' ').slice(0, 900)}`);
      log(`-- ${describeValues(query.values)}`);
      log(await explain(db, tenant.orgId, query));
    }
    if (problems.length) log(`\nPROBLEMS (first ${problems.length}):\n  ${problems.join('\n  ')}`);
    log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; bench wall time ${secondsSince(benchStart).toFixed(0)} s`);
    return problems.length === 0;
  } finally {
    await Promise.all(admin.map((c) => c.end().catch(() => undefined)));
    await platform.stop();
  }
}

/** The entry point bench/run-all.ts calls. */
export const run = runInventoryHistoryBench;

if (require.main === module) {
  runInventoryHistoryBench().then(
    (ok) => process.exit(ok ? 0 : 1),
    (error) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
