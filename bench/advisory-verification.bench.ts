// A new advisory at fleet scale: the fleet of continuous-verification.bench
// (1,000 clusters × 100 running pods, 5,000 distinct digests), each digest
// with a shared SBOM of 20 npm packages, already verified as passing under a
// vulnerability policy (maxSeverity high). Then one HIGH advisory is imported
// whose package is in 1% of the images. Measured on the real API, a real
// worker (in-process, same queues), Postgres, Redis and a local CloudEvents sink:
//
//  1. the POST /v1/advisories/import answer (it commits and queues; matching is the worker's);
//  2. from that call to the last validation.changed event received by the sink
//     (worker: re-match → re-verify the affected (cluster, digest) pairs → outbox → delivery);
//  3. beside a same-run baseline: the pure matcher (AdvisoryIndex) matching
//     the same 5,000 SBOMs in a loop.
//
//   npm run build && node dist/bench/advisory-verification.bench.js
//   BENCH_CV_CLUSTERS / BENCH_CV_PODS / BENCH_CV_DIGESTS as in continuous-verification.bench
import 'reflect-metadata';
import type { Client } from 'pg';
import { AdvisoryIndex, parseOsvRecord, type PackageQuery } from '@vigil/supply-chain';
import {
  CHANGED,
  continuousVerificationSettings,
  CountingSink,
  FleetPlatform,
  generateFleet,
  untilNoneDue,
  type ContinuousVerificationSettings,
} from './continuous-verification.bench';
import { BENCH_ADMIN_TOKEN, expectStatus } from './support/bench-platform';
import { fmtInt, fmtMs, fmtRate, log, msSince, now, secondsSince, table } from './support/stats';

const TARGET_SECONDS = 10;
const PACKAGES_PER_IMAGE = 20;
const POLICY = 'bench-vulns';
const ADVISORY = {
  id: 'GHSA-bnch-advs-0001',
  modified: '2026-06-01T00:00:00Z',
  summary: 'bench-target before 2.0.0 (benchmark record)',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }], // 7.5 HIGH
  affected: [{ package: { ecosystem: 'npm', name: 'bench-target' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] }],
};
/** Digest k (as the fleet numbers them) carries the affected package when k % 100 = 0: 1% of images. */
const AFFECTED_MODULUS = 100;

const vulnPolicy = JSON.stringify({
  apiVersion: 'vigil.dev/v1',
  kind: 'ImagePolicy',
  metadata: { name: POLICY },
  spec: { images: [{ glob: 'registry.bench/**' }], authorities: [{ name: 'gate', static: { action: 'pass' } }], vulnerabilities: { maxSeverity: 'high' } },
});

/** One shared (cataloged) SBOM per fleet digest, 20 npm packages each, in SQL. */
async function generateSboms(db: Client, settings: ContinuousVerificationSettings): Promise<number> {
  await db.query(
    `INSERT INTO image_sboms (digest, org_id, source, format, package_count, advisory_revision)
     SELECT 'sha256:' || lpad(to_hex(k), 64, '0'), NULL, 'catalog', 'catalog', $2, 0 FROM generate_series(0, $1 - 1) AS k`,
    [settings.digests, PACKAGES_PER_IMAGE],
  );
  await db.query(
    `INSERT INTO image_packages (sbom_id, ordinal, org_id, digest, name, version, purl, type, ecosystem, ecosystem_family, lookup_name)
     SELECT s.id, o, NULL, s.digest, n.name, n.version, 'pkg:npm/' || n.name || '@' || n.version, 'npm', 'npm', 'npm', n.name
       FROM image_sboms s CROSS JOIN generate_series(0, $1 - 1) AS o
       CROSS JOIN LATERAL (SELECT ('x' || right(s.digest, 8))::bit(32)::int AS k) d
       CROSS JOIN LATERAL (SELECT CASE WHEN o = 0 AND d.k % $2 = 0 THEN 'bench-target' ELSE 'pkg-' || ((d.k * 31 + o * 7919) % 3000) END AS name,
                                  CASE WHEN o = 0 AND d.k % $2 = 0 THEN '1.4.0' ELSE (o % 4) || '.' || (d.k % 13) || '.0' END AS version) n`,
    [PACKAGES_PER_IMAGE, AFFECTED_MODULUS],
  );
  await db.query('ANALYZE image_sboms, image_packages');
  const { rows } = await db.query(`SELECT count(DISTINCT digest)::int AS n FROM image_packages WHERE name = 'bench-target'`);
  return rows[0].n;
}

/** The baseline: the matcher alone over the same SBOMs (read back from the database), with the same advisory. */
async function matcherBaseline(db: Client): Promise<{ sbomsPerSecond: number; packagesPerSecond: number; matchedSboms: number }> {
  const parsed = parseOsvRecord(ADVISORY);
  if (!parsed.ok) throw new Error(`bench advisory does not parse: ${parsed.error}`);
  const index = AdvisoryIndex.from([parsed.advisory]);
  const { rows } = await db.query(`SELECT sbom_id, array_agg(name ORDER BY ordinal) AS names, array_agg(version ORDER BY ordinal) AS versions FROM image_packages GROUP BY sbom_id`);
  const sboms: PackageQuery[][] = rows.map((r) => r.names.map((name: string, i: number) => ({ name, version: r.versions[i], ecosystem: 'npm', purl: `pkg:npm/${name}@${r.versions[i]}` })));
  const rounds = 5;
  let matched = 0;
  const start = now();
  for (let r = 0; r < rounds; r++) for (const sbom of sboms) if (index.matchAll(sbom).length > 0) matched++;
  const seconds = secondsSince(start);
  return { sbomsPerSecond: (rounds * sboms.length) / seconds, packagesPerSecond: (rounds * sboms.length * PACKAGES_PER_IMAGE) / seconds, matchedSboms: matched / rounds };
}

export async function run(): Promise<boolean> {
  const settings = continuousVerificationSettings();
  log(`# Advisory → events: ${fmtInt(settings.clusters)} clusters × ${settings.podsPerCluster} pods, ${fmtInt(settings.digests)} digests, advisory in 1% of images`);
  let platform: FleetPlatform | undefined;
  let sink: CountingSink | undefined;
  try {
    platform = await FleetPlatform.start('advisory-bench');
    const { http, db, orgId, rootGroupId, asAdmin } = platform;
    const policy = await http.json('POST', '/v1/policies', { ...asAdmin, body: { groupId: rootGroupId, document: vulnPolicy } });
    expectStatus(policy, 201, 'POST /v1/policies');
    sink = await CountingSink.start();
    expectStatus(await http.json('POST', '/v1/subscriptions', { ...asAdmin, body: { groupId: rootGroupId, sink: sink.url, types: [CHANGED] } }), 201, 'POST /v1/subscriptions');

    await platform.startWorker();
    if (!(await untilNoneDue(db, orgId, 60_000, true))) throw new Error('the policy was never fanned out');

    let start = now();
    const pairs = await generateFleet(db, orgId, rootGroupId, settings, [{ id: policy.body.id, name: POLICY }]);
    const affectedImages = await generateSboms(db, settings);
    const { rows: affectedRows } = await db.query(
      `SELECT count(*)::int AS n FROM verification_targets t WHERE t.org_id = $1 AND t.image_digest IN (SELECT digest FROM image_packages WHERE name = 'bench-target')`,
      [orgId],
    );
    const affected: number = affectedRows[0].n;
    log(`generated ${fmtInt(pairs)} (cluster, digest) pairs and ${fmtInt(settings.digests)} SBOMs of ${PACKAGES_PER_IMAGE} packages; ${fmtInt(affectedImages)} affected images in ${fmtInt(affected)} pairs (${secondsSince(start).toFixed(1)} s)`);

    // The import: answered once committed; the worker re-matches, re-verifies and delivers.
    start = now();
    const imported = await http.json('POST', '/v1/advisories/import', { token: BENCH_ADMIN_TOKEN, body: ADVISORY });
    const answerMs = msSince(start);
    expectStatus(imported, 200, 'POST /v1/advisories/import');
    if (imported.body.matchesPending !== 1) throw new Error(`import: ${JSON.stringify(imported.body)}`);
    let matchedSeconds = NaN;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM advisory_matches_due`);
      if (rows[0].n === 0) {
        matchedSeconds = secondsSince(start);
        break;
      }
    }
    // Re-verification done: the affected pairs were marked due by the re-match and nothing is due any more.
    const verified = await untilNoneDue(db, orgId, 300_000);
    const verifiedSeconds = verified ? secondsSince(start) : NaN;
    const allReceived = await sink.waitFor(affected, 300_000);
    const eventsSeconds = allReceived ? Number(sink.lastAt - start) / 1e9 : NaN;
    const { rows: jobRows } = await db.query(`SELECT count(DISTINCT cluster_id)::int AS n FROM evaluations WHERE org_id = $1 AND transitions > 1`, [orgId]);
    const { rows: openRows } = await db.query(`SELECT count(*)::int AS n FROM violations WHERE org_id = $1 AND state = 'open'`, [orgId]);
    const { rows: matchRows } = await db.query(`SELECT count(DISTINCT sbom_id)::int AS n FROM image_vulnerabilities WHERE advisory_id = $1`, [ADVISORY.id]);

    const baseline = await matcherBaseline(db);
    log('');
    log(
      table(
        ['measure', 'figure', 'target'],
        [
          ['POST /v1/advisories/import answered', fmtMs(answerMs), ''],
          [`re-matched (backlog empty; ${fmtInt(matchRows[0].n)} SBOMs now match)`, `${matchedSeconds.toFixed(2)} s`, ''],
          [`re-verified (results, violations, events committed; ${fmtInt(jobRows[0].n)} clusters)`, `${verifiedSeconds.toFixed(1)} s`, ''],
          [`import → last CloudEvent (${fmtInt(sink.ids.size)} / ${fmtInt(affected)} events)`, `${eventsSeconds.toFixed(1)} s (${fmtRate(affected / eventsSeconds)} evaluations/s)`, `< ${TARGET_SECONDS} s`],
          [`baseline: AdvisoryIndex over the same ${fmtInt(settings.digests)} SBOMs in a loop`, `${fmtRate(baseline.sbomsPerSecond)} SBOMs/s (${fmtRate(baseline.packagesPerSecond)} packages/s)`, ''],
        ],
      ),
    );
    log(`open violations ${fmtInt(openRows[0].n)} (expected ${fmtInt(affected)}); matcher baseline matched ${baseline.matchedSboms} SBOMs (expected ${affectedImages})`);
    const correct = allReceived && sink.ids.size === affected && openRows[0].n === affected && matchRows[0].n === affectedImages && baseline.matchedSboms === affectedImages;
    log(`${correct ? 'answers correct' : 'WRONG ANSWERS'}; target ${eventsSeconds < TARGET_SECONDS ? 'met' : 'NOT met'}`);
    return correct;
  } finally {
    await platform?.stop();
    await sink?.stop().catch(() => undefined);
  }
}

if (require.main === module) {
  run().then(
    (ok) => process.exit(ok ? 0 : 1),
    (error) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
