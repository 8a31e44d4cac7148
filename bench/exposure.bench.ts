// Exposure and SBOM matching.
//
// 1. "Where and when did CVE-X run": 13 months of inventory history for one
//    org (bench/support/history-data: 10M observations, ~50k image digests by
//    default), one shared SBOM per digest with 40 packages (2M package rows),
//    5 background matches per image, and one imported advisory whose package
//    is in 1% of the images. Latency of the real HTTP endpoint
//    GET /v1/advisories/:id/exposure (by id, by alias, with a one-month
//    window) beside the floors measured in the same run: the same HTTP stack
//    answering GET /v1/advisories/:id (one indexed lookup) and a bare Postgres
//    round trip. Prints EXPLAIN (ANALYZE, BUFFERS) of the captured statement.
//    Exposure reads the workload_image_runs rollup, which the generator
//    fills with the same rebuild function the migration backfills with.
// 2. SBOM matching throughput of the in-process AdvisoryIndex (packages/s)
//    beside a plain Map lookup loop over the same package keys.
//
//   npm run build && node dist/bench/exposure.bench.js
//   BENCH_EXPOSURE_OBSERVATIONS=1000000 (default 10000000)  BENCH_EXPOSURE_REQUESTS=200
import type { Client } from 'pg';
import { AdvisoryIndex, type Advisory, type PackageQuery } from '@vigil/supply-chain';
import { BenchPlatform, connect, expectStatus, BENCH_ADMIN_TOKEN } from './support/bench-platform';
import { generateHistory } from './support/history-data';
import { captureQueries } from './support/sql-capture';
import { envInt, fmtInt, fmtMs, fmtRate, log, msSince, now, seededRandom, summarize, table, type LatencySummary } from './support/stats';

const TARGET_P95_MS = 200;
const CLUSTERS = 8;
const PACKAGES_PER_IMAGE = 40;
const BACKGROUND_MATCHES_PER_IMAGE = 5;
const ADVISORY = 'GHSA-bnch-0000-0001';
const ALIAS = 'CVE-2099-0001';

/** Shared SBOMs, packages and stored matches for every digest the org ran, generated in SQL. */
async function generateSboms(db: Client): Promise<{ images: number; packages: number; affected: number }> {
  await db.query(`SET session_replication_role = replica`);
  await db.query(`
    INSERT INTO image_sboms (digest, org_id, source, format, package_count, advisory_revision)
    SELECT DISTINCT digest, NULL::uuid, 'catalog', 'catalog', ${PACKAGES_PER_IMAGE}, 1 FROM images`);
  // 1% of images carry the advisory's package at an affected version (ordinal 0); the rest a pool of 5,000 names.
  await db.query(`
    INSERT INTO image_packages (sbom_id, ordinal, org_id, digest, name, version, purl, type, ecosystem, ecosystem_family, lookup_name)
    SELECT s.id, k, NULL, s.digest, n.name, n.version, 'pkg:npm/' || n.name || '@' || n.version, 'npm', 'npm', 'npm', n.name
      FROM image_sboms s, generate_series(0, ${PACKAGES_PER_IMAGE - 1}) AS k,
           LATERAL (SELECT CASE WHEN k = 0 AND s.id % 100 = 0 THEN 'bench-target' ELSE 'pkg-' || ((s.id * 31 + k * 7919) % 5000) END AS name,
                           CASE WHEN k = 0 AND s.id % 100 = 0 THEN '1.' || (s.id % 9) || '.0' ELSE (k % 4) || '.' || (s.id % 13) || '.0' END AS version) n`);
  await db.query(`
    INSERT INTO image_vulnerabilities (sbom_id, package_ordinal, advisory_id, org_id, digest, ids, aliases, severity_level, severity, fixed_version,
                                       package_name, package_version, package_purl, package_ecosystem)
    SELECT p.sbom_id, p.ordinal, a.id, NULL, p.digest, ARRAY[a.id, a.alias], ARRAY[a.alias], 'high', '{"level":"high"}', '9.0.0',
           p.name, p.version, p.purl, 'npm'
      FROM image_packages p,
           LATERAL (SELECT CASE WHEN p.name = 'bench-target' THEN '${ADVISORY}' ELSE 'GHSA-bg-' || ((p.sbom_id * 7 + p.ordinal) % 2000) END AS id,
                           CASE WHEN p.name = 'bench-target' THEN '${ALIAS}' ELSE 'CVE-2098-' || ((p.sbom_id * 7 + p.ordinal) % 2000) END AS alias) a
     WHERE p.name = 'bench-target' OR p.ordinal BETWEEN 1 AND ${BACKGROUND_MATCHES_PER_IMAGE}`);
  await db.query(`
    INSERT INTO image_vulnerability_ids (id, sbom_id, package_ordinal, advisory_id, org_id, digest)
    SELECT unnest(ids), sbom_id, package_ordinal, advisory_id, org_id, digest FROM image_vulnerabilities`);
  await db.query(`RESET session_replication_role`);
  for (const t of ['image_sboms', 'image_packages', 'image_vulnerabilities', 'image_vulnerability_ids']) await db.query(`VACUUM (ANALYZE) ${t}`);
  const { rows } = await db.query(`SELECT (SELECT count(*) FROM image_sboms)::int AS images, (SELECT count(*) FROM image_packages)::int AS packages,
                                          (SELECT count(*) FROM image_packages WHERE name = 'bench-target')::int AS affected`);
  return rows[0];
}

async function timeHttp(platform: BenchPlatform, token: string, paths: string[], problems: string[]): Promise<{ summary: LatencySummary; items: number }> {
  const samples: number[] = [];
  let items = 0;
  for (const path of paths) {
    const t = now();
    const res = await platform.http.json('GET', path, { token });
    samples.push(msSince(t));
    if (res.status !== 200 && problems.length < 10) problems.push(`GET ${path} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    if (Array.isArray(res.body?.items)) items += res.body.items.length;
  }
  return { summary: summarize(samples), items: items / Math.max(1, paths.length) };
}

/** Matching throughput: the AdvisoryIndex over SBOMs of 1,000 packages vs a bare Map lookup of the same keys. */
export function matchingThroughput(): { indexRate: number; mapRate: number; advisories: number; matchesPerSbom: number } {
  const random = seededRandom(7);
  const advisories: Advisory[] = [];
  for (let i = 0; i < 20_000; i++) {
    const npm = i % 2 === 0;
    advisories.push({
      id: `GHSA-bench-${i}`,
      modified: '2025-01-01T00:00:00Z',
      aliases: [`CVE-2097-${i}`],
      upstream: [],
      related: [],
      severity: { level: 'high' },
      affected: [
        npm
          ? { ecosystem: 'npm', name: `pkg-${i % 8000}`, ranges: [{ type: 'SEMVER', events: [{ kind: 'introduced', version: '0' }, { kind: 'fixed', version: `${1 + (i % 3)}.5.0` }] }], versions: [] }
          : { ecosystem: 'Alpine:v3.19', name: `src-${i % 4000}`, ranges: [{ type: 'ECOSYSTEM', events: [{ kind: 'introduced', version: '0' }, { kind: 'fixed', version: `1.${i % 7}.0-r2` }] }], versions: [] },
      ],
    });
  }
  const index = AdvisoryIndex.from(advisories);
  const sbom: PackageQuery[] = [];
  for (let i = 0; i < 1000; i++) {
    const k = Math.floor(random() * 12_000);
    sbom.push(
      i % 2 === 0
        ? { name: `pkg-${k}`, version: `${k % 4}.${k % 9}.0`, ecosystem: 'npm' }
        : { name: `lib-${k}`, sourceName: `src-${k % 6000}`, version: `1.${k % 7}.0-r${k % 3}`, ecosystem: 'Alpine:v3.19' },
    );
  }
  const rounds = 200;
  let matches = 0;
  index.matchAll(sbom); // warm-up (and the lazy rebuild)
  let t = now();
  for (let r = 0; r < rounds; r++) matches += index.matchAll(sbom).length;
  const indexMs = msSince(t);
  const map = new Map<string, number>();
  for (const a of advisories) map.set(`${a.affected[0].ecosystem.split(':')[0]}\u0000${a.affected[0].name}`, 1);
  let hits = 0;
  t = now();
  for (let r = 0; r < rounds; r++) {
    for (const p of sbom) if (map.get(`${p.ecosystem.split(':')[0]}\u0000${p.sourceName ?? p.name}`) !== undefined) hits += 1;
  }
  const mapMs = msSince(t);
  if (hits < 0) log(String(hits)); // keep the loop observable
  return { indexRate: (rounds * sbom.length) / (indexMs / 1000), mapRate: (rounds * sbom.length) / (mapMs / 1000), advisories: advisories.length, matchesPerSbom: matches / rounds };
}

export async function run(): Promise<boolean> {
  const observations = envInt('BENCH_EXPOSURE_OBSERVATIONS', 10_000_000, 10_000, 100_000_000);
  const requests = envInt('BENCH_EXPOSURE_REQUESTS', 200, 10, 10_000);
  log(`\n== exposure: ${fmtInt(observations)} observations, ${PACKAGES_PER_IMAGE} packages per image, advisory in 1% of images ==`);
  const problems: string[] = [];

  const match = matchingThroughput();
  log(
    table(
      ['SBOM matching (in-process)', 'packages/s'],
      [
        [`AdvisoryIndex.matchAll, ${fmtInt(match.advisories)} advisories, 1,000-package SBOM (${match.matchesPerSbom.toFixed(0)} matches)`, fmtRate(match.indexRate)],
        ['baseline: Map.get per package, same keys', fmtRate(match.mapRate)],
      ],
    ),
  );

  const platform = await BenchPlatform.start();
  const db = await connect(platform.database.url);
  const db2 = await connect(platform.database.url);
  try {
    const tenant = await platform.createTenant('exposure-bench');
    const clusterIds: string[] = [];
    for (let i = 0; i < CLUSTERS; i++) clusterIds.push(await platform.createCluster(tenant, `cluster-${i}`));
    const record = {
      id: ADVISORY,
      modified: '2025-06-01T00:00:00Z',
      aliases: [ALIAS],
      summary: 'bench-target: affected before 2.0.0',
      affected: [{ package: { ecosystem: 'npm', name: 'bench-target' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] }],
    };
    expectStatus(await platform.http.json('POST', '/v1/advisories/import', { token: BENCH_ADMIN_TOKEN, body: record }), 200, 'POST /v1/advisories/import');

    const history = await generateHistory([db, db2], tenant.orgId, clusterIds, observations);
    const t0 = now();
    const sboms = await generateSboms(db);
    log(`  ${fmtInt(history.rows)} observations; ${fmtInt(sboms.images)} images, ${fmtInt(sboms.packages)} SBOM packages, ${fmtInt(sboms.affected)} affected images (${(msSince(t0) / 1000).toFixed(0)} s)`);
    const affected = (
      await db.query<{ runs: number; observations: number }>(
        `WITH a AS (SELECT DISTINCT digest FROM image_packages WHERE name = 'bench-target')
         SELECT (SELECT count(*) FROM workload_image_runs r JOIN a ON r.org_id = $1 AND r.image_digest = a.digest)::int AS runs,
                (SELECT count(*) FROM observations o JOIN a ON o.org_id = $1 AND o.image_digest = a.digest)::int AS observations`,
        [tenant.orgId],
      )
    ).rows[0];
    log(`  affected images ran in ${fmtInt(affected.observations)} observations, ${fmtInt(affected.runs)} workload runs (of ${fmtInt(history.runs)})`);

    const month = new Date(history.windowEnd.getTime() - 30 * 86400_000).toISOString();
    const shapes: [string, string][] = [
      ['exposure by id, all history', `/v1/advisories/${ADVISORY}/exposure?limit=1000`],
      ['exposure by alias (CVE), all history', `/v1/advisories/${ALIAS}/exposure?limit=1000`],
      ['exposure by id, last 30 days', `/v1/advisories/${ADVISORY}/exposure?limit=1000&from=${encodeURIComponent(month)}`],
      ['baseline: GET /v1/advisories/:id (same HTTP stack)', `/v1/advisories/${ADVISORY}`],
    ];
    const rows: string[][] = [];
    let exposureP95 = 0;
    for (const [label, path] of shapes) {
      await timeHttp(platform, tenant.ownerToken, Array(20).fill(path), problems); // warm-up
      const { summary, items } = await timeHttp(platform, tenant.ownerToken, Array(requests).fill(path), problems);
      if (label.startsWith('exposure')) exposureP95 = Math.max(exposureP95, summary.p95);
      rows.push([label, fmtMs(summary.p50), fmtMs(summary.p95), fmtMs(summary.p99), label.startsWith('exposure') ? items.toFixed(0) : '-']);
    }
    const pg: number[] = [];
    for (let i = 0; i < requests; i++) {
      const t = now();
      await db.query('SELECT 1');
      pg.push(msSince(t));
    }
    const pgSummary = summarize(pg);
    rows.push(['baseline: Postgres round trip (SELECT 1)', fmtMs(pgSummary.p50), fmtMs(pgSummary.p95), fmtMs(pgSummary.p99), '-']);
    log(table(['request', 'p50', 'p95', 'p99', 'items'], rows));
    log(`  exposure p95 ${fmtMs(exposureP95)} (target < ${TARGET_P95_MS} ms): ${exposureP95 < TARGET_P95_MS ? 'met' : 'NOT met'}`);

    const [captured] = await captureQueries(/image_vulnerability_ids/, () => platform.http.json('GET', shapes[0][1], { token: tenant.ownerToken }), 5);
    if (captured) {
      await db.query('BEGIN');
      try {
        await db.query('SET LOCAL ROLE vigil_app');
        await db.query(`SELECT set_config('app.org_id', $1, true)`, [tenant.orgId]);
        const plan = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${captured.text}`, captured.values);
        log('\nEXPLAIN (ANALYZE, BUFFERS) of the exposure query:');
        log(plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
      } finally {
        await db.query('ROLLBACK');
      }
    }
  } finally {
    await db.end();
    await db2.end();
    await platform.stop();
  }
  for (const p of problems) log(`  problem: ${p}`);
  return problems.length === 0;
}

if (require.main === module) {
  run().then(
    (ok) => process.exit(ok ? 0 : 1),
    (error: unknown) => {
      log(`exposure bench FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
