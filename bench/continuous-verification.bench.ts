// Continuous verification at fleet scale: 1,000 clusters × 100 running pods
// (5,000 distinct digests, each running in 20 clusters), generated in SQL and
// already verified under two policies (one matching every image, one matching
// the 10% under registry.bench/hot/). Measured on the real API, a real worker
// (in-process, same queues), Postgres, Redis, and a local CloudEvents sink:
//
//  1. a policy change that makes the 10% fail: from the PUT /v1/policies/:id
//     call to the last validation.changed event received by the sink;
//  2. a full sweep of everything running (nothing changes, so no events): from
//     marking every (cluster, digest) due to the last one verified;
//  3. evaluations/s of both, beside a same-run baseline: the pure policy
//     engine evaluating the same (reference, digest) inputs in a loop.
//
//   npm run build && node dist/bench/continuous-verification.bench.js
//   BENCH_CV_CLUSTERS=1000 BENCH_CV_PODS=100 BENCH_CV_DIGESTS=5000
//   BENCH_CV_NO_SINK=1: no subscription, so the change measures verification
//   alone (results, violations, events committed) without delivery competing.
import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import IORedis from 'ioredis';
import type { Client } from 'pg';
import { ReverifySweepService } from '@vigil/continuous-verification';
import { evaluate, parsePolicyDocument, type CompiledPolicy } from '@vigil/policy-engine';
import { loadPlatformConfig, type PlatformConfig } from '@vigil/shared/config';
import { createApiApp } from '../apps/api/src/bootstrap';
import { WorkerModule } from '../apps/worker/src/worker.module';
import { BENCH_ADMIN_TOKEN, BENCH_REDIS_URL, connect, createMigratedDatabase, expectStatus, HttpClient, type BenchDatabase } from './support/bench-platform';
import { envInt, fmtInt, fmtRate, log, now, secondsSince, table } from './support/stats';

const TARGET_CHANGE_SECONDS = 30;
const TARGET_SWEEP_SECONDS = 60;
export const CHANGED = 'dev.vigil.policy.validation.changed.v1';
const SECRET_KEY = 'bench-secret-key-0123456789abcdef0123456789';

export interface ContinuousVerificationSettings {
  clusters: number;
  podsPerCluster: number;
  digests: number;
}

export function continuousVerificationSettings(): ContinuousVerificationSettings {
  return {
    clusters: envInt('BENCH_CV_CLUSTERS', 1000, 1, 100_000),
    podsPerCluster: envInt('BENCH_CV_PODS', 100, 1, 10_000),
    digests: envInt('BENCH_CV_DIGESTS', 5000, 10, 1_000_000),
  };
}

export const digestOf = (k: number) => `sha256:${k.toString(16).padStart(64, '0')}`;
/** Every tenth digest lives under hot/: the 10% the policy change affects. */
export const refOf = (k: number) => `registry.bench/${k % 10 === 0 ? 'hot' : 'cold'}/svc-${k}:1`;

export const policyDoc = (name: string, glob: string, action: 'pass' | 'fail') =>
  JSON.stringify({ apiVersion: 'vigil.dev/v1', kind: 'ImagePolicy', metadata: { name }, spec: { images: [{ glob }], authorities: [{ name: 'gate', static: { action } }] } });

/** A subscriber that only counts: unique CloudEvent ids of one type, and when the last arrived. */
export class CountingSink {
  readonly ids = new Set<string>();
  lastAt = 0n;
  private server!: Server;
  private waiters: (() => void)[] = [];

  static async start(): Promise<CountingSink> {
    const sink = new CountingSink();
    sink.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.headers['ce-type'] === CHANGED && typeof req.headers['ce-id'] === 'string') {
          sink.ids.add(req.headers['ce-id']);
          sink.lastAt = now();
          for (const w of sink.waiters) w();
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async waitFor(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.ids.size < count && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 500);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
    return this.ids.size >= count;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The fleet: clusters, running observations, and evaluations/targets as a finished verification leaves them. */
export async function generateFleet(db: Client, orgId: string, groupId: string, settings: ContinuousVerificationSettings, policies: { id: string; name: string }[]): Promise<number> {
  await db.query(
    `INSERT INTO clusters (id, org_id, group_id, name, health)
     SELECT gen_random_uuid(), $1, $2, 'bench-' || i, 'healthy' FROM generate_series(0, $3 - 1) AS i`,
    [orgId, groupId, settings.clusters],
  );
  await db.query(
    `INSERT INTO observations (org_id, cluster_id, pod_uid, namespace, pod_name, workload_kind, workload_name, node, container_name, container_type,
                               image_ref, image_digest, first_seen, last_seen, running)
     SELECT $1, c.id, 'pod-' || c.n || '-' || j, 'ns-' || (j % 10), 'w-' || j || '-x', 'Deployment', 'w-' || j, 'node-1', 'app', 'container',
            'registry.bench/' || CASE WHEN k % 10 = 0 THEN 'hot' ELSE 'cold' END || '/svc-' || k || ':1',
            'sha256:' || lpad(to_hex(k), 64, '0'), now() - interval '1 hour', now(), true
       FROM (SELECT id, row_number() OVER (ORDER BY name) - 1 AS n FROM clusters WHERE org_id = $1) c
       CROSS JOIN generate_series(0, $2 - 1) AS j
       CROSS JOIN LATERAL (SELECT ((c.n * $2 + j) % $3)::int AS k) d`,
    [orgId, settings.podsPerCluster, settings.digests],
  );
  await db.query(
    `INSERT INTO verification_targets (org_id, cluster_id, image_digest, verified_at, policy_state_token)
     SELECT DISTINCT org_id, cluster_id, image_digest, now(), 'generated' FROM observations WHERE org_id = $1`,
    [orgId],
  );
  for (const p of policies) {
    const hot = p.name === 'bench-hot';
    await db.query(
      `INSERT INTO evaluations (org_id, cluster_id, image_digest, policy_id, generation, policy_name, revision, mode, image_ref, valid, diagnostic, reasons,
                                transitions, first_checked, last_checked, changed_at)
       SELECT DISTINCT ON (o.cluster_id, o.image_digest) $1, o.cluster_id, o.image_digest, $2, gen_random_uuid(), $3, 1, 'enforce', o.image_ref, true, '', '[]', 1, now(), now(), now()
         FROM observations o WHERE o.org_id = $1 AND ($4 = false OR o.image_ref LIKE 'registry.bench/hot/%')`,
      [orgId, p.id, p.name, hot],
    );
  }
  await db.query('ANALYZE');
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM verification_targets WHERE org_id = $1`, [orgId]);
  return rows[0].n;
}

/** The baseline: the engine alone over the same (reference, digest) inputs and compiled policies. */
function engineBaseline(settings: ContinuousVerificationSettings, pairs: number, policies: CompiledPolicy[]): number {
  const inputs = Array.from({ length: Math.min(settings.digests, pairs) }, (_, k) => ({ ref: refOf(k), digest: digestOf(k), signatures: [], attestations: [] }));
  const start = now();
  let failed = 0;
  for (let i = 0; i < pairs; i++) {
    const decision = evaluate({ policies, image: inputs[i % inputs.length], noMatch: 'warn' });
    if (!decision.allowed) failed++;
  }
  if (failed === 0) throw new Error('baseline: expected the changed policy to fail the hot images');
  return pairs / secondsSince(start);
}

/** Until nothing is due (after the fan-out marked the affected pairs, when `afterFanOut`). */
export async function untilNoneDue(db: Client, orgId: string, timeoutMs: number, afterFanOut = false): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await db.query(
      `SELECT (SELECT count(*)::int FROM verification_targets WHERE org_id = $1 AND due_at IS NOT NULL) AS due,
              (SELECT count(*)::int FROM policy_verification_changes WHERE org_id = $1 AND processed_at IS NULL) AS pending`,
      [orgId],
    );
    if (rows[0].due === 0 && (!afterFanOut || rows[0].pending === 0)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** This run's BullMQ keys only (the Redis may be shared). */
export async function purgeQueues(prefix: string): Promise<void> {
  const redis = new IORedis(BENCH_REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  } finally {
    redis.disconnect();
  }
}

/**
 * What both fleet benchmarks run on: the API in-process on its own migrated
 * database and queue prefix, a superuser connection for data generation, one
 * org whose periodic sweep is parked for a day (so only the measured triggers
 * run), and the real worker once `startWorker` is called.
 */
export class FleetPlatform {
  worker: INestApplicationContext | undefined;

  private constructor(
    readonly database: BenchDatabase,
    private readonly config: PlatformConfig,
    private readonly app: INestApplication,
    readonly http: HttpClient,
    readonly db: Client,
    readonly orgId: string,
    readonly rootGroupId: string,
  ) {}

  get queuePrefix(): string {
    return `bench-${this.database.name}`;
  }

  get asAdmin() {
    return { token: BENCH_ADMIN_TOKEN, headers: { 'vigil-org-id': this.orgId } };
  }

  static async start(orgName: string): Promise<FleetPlatform> {
    const database = await createMigratedDatabase();
    const config = loadPlatformConfig({
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      REDIS_URL: BENCH_REDIS_URL,
      VIGIL_SECRET_KEY: SECRET_KEY,
      VIGIL_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
      VIGIL_ALLOW_PRIVATE_TARGETS: 'true', // the sink is on loopback
      LOG_LEVEL: 'silent',
    });
    let app: INestApplication | undefined;
    let http: HttpClient | undefined;
    let db: Client | undefined;
    try {
      app = await createApiApp(config, { queuePrefix: `bench-${database.name}` });
      await app.listen(0, '127.0.0.1');
      http = new HttpClient(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
      db = await connect(database.url);
      const org = await http.json('POST', '/v1/orgs', { token: BENCH_ADMIN_TOKEN, body: { name: orgName } });
      expectStatus(org, 201, 'POST /v1/orgs');
      const platform = new FleetPlatform(database, config, app, http, db, org.body.id, org.body.rootGroupId);
      expectStatus(await http.json('PUT', '/v1/verification/schedule', { ...platform.asAdmin, body: { intervalSeconds: 86400 } }), 200, 'PUT /v1/verification/schedule');
      return platform;
    } catch (error) {
      await http?.close().catch(() => undefined);
      await app?.close().catch(() => undefined);
      await db?.end().catch(() => undefined);
      await purgeQueues(`bench-${database.name}`).catch(() => undefined);
      await database.drop().catch(() => undefined);
      throw error;
    }
  }

  async startWorker(): Promise<INestApplicationContext> {
    this.worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(this.config, { queuePrefix: this.queuePrefix }), { logger: false });
    await this.worker.init();
    return this.worker;
  }

  /** Stops everything; keeps the database when BENCH_KEEP_DB=1. */
  async stop(): Promise<void> {
    await this.worker?.close().catch(() => undefined);
    await this.http.close().catch(() => undefined);
    await this.app.close().catch(() => undefined);
    await this.db.end().catch(() => undefined);
    await purgeQueues(this.queuePrefix).catch(() => undefined);
    if (process.env.BENCH_KEEP_DB !== '1') await this.database.drop().catch(() => undefined);
  }
}

export async function run(): Promise<boolean> {
  const settings = continuousVerificationSettings();
  const pods = settings.clusters * settings.podsPerCluster;
  log(`# Continuous verification: ${fmtInt(settings.clusters)} clusters × ${settings.podsPerCluster} pods, ${fmtInt(settings.digests)} digests`);
  let platform: FleetPlatform | undefined;
  let sink: CountingSink | undefined;
  try {
    platform = await FleetPlatform.start('cv-bench');
    const { http, db, orgId, rootGroupId, asAdmin } = platform;
    const base = await http.json('POST', '/v1/policies', { ...asAdmin, body: { groupId: rootGroupId, document: policyDoc('bench-base', 'registry.bench/**', 'pass') } });
    expectStatus(base, 201, 'POST /v1/policies');
    const hot = await http.json('POST', '/v1/policies', { ...asAdmin, body: { groupId: rootGroupId, document: policyDoc('bench-hot', 'registry.bench/hot/**', 'pass') } });
    expectStatus(hot, 201, 'POST /v1/policies');
    sink = await CountingSink.start();
    if (process.env.BENCH_CV_NO_SINK !== '1') expectStatus(await http.json('POST', '/v1/subscriptions', { ...asAdmin, body: { groupId: rootGroupId, sink: sink.url, types: [CHANGED] } }), 201, 'POST /v1/subscriptions');

    // The worker first, so the policies' creation fan-outs run now, over an empty inventory (as they would have).
    const worker = await platform.startWorker();
    if (!(await untilNoneDue(db, orgId, 60_000, true))) throw new Error('the policies were never fanned out');

    let start = now();
    const pairs = await generateFleet(db, orgId, rootGroupId, settings, [
      { id: base.body.id, name: 'bench-base' },
      { id: hot.body.id, name: 'bench-hot' },
    ]);
    const { rows: hotRows } = await db.query(`SELECT count(*)::int AS n FROM evaluations WHERE org_id = $1 AND policy_id = $2`, [orgId, hot.body.id]);
    const affected: number = hotRows[0].n;
    log(`generated ${fmtInt(pods)} running pods, ${fmtInt(pairs)} (cluster, digest) pairs, ${fmtInt(affected)} under hot/ in ${secondsSince(start).toFixed(1)} s`);

    // 1. The 10% change: the hot policy now fails every image it matches.
    start = now();
    const changed = await http.json('PUT', `/v1/policies/${hot.body.id}`, { ...asAdmin, body: { document: policyDoc('bench-hot', 'registry.bench/hot/**', 'fail') } });
    expectStatus(changed, 200, 'PUT /v1/policies/:id');
    const verifiedAll = await untilNoneDue(db, orgId, 600_000, true);
    const verifiedSeconds = verifiedAll ? secondsSince(start) : NaN;
    log(`policy change: affected images re-verified (results, violations and events committed) after ${verifiedSeconds.toFixed(1)} s`);
    const allReceived = await sink.waitFor(affected, process.env.BENCH_CV_NO_SINK === '1' ? 0 : 600_000);
    const changeSeconds = allReceived ? Number(sink.lastAt - start) / 1e9 : NaN;
    const received = sink.ids.size;
    const { rows: openRows } = await db.query(`SELECT count(*)::int AS n FROM violations WHERE org_id = $1 AND state = 'open'`, [orgId]);

    // 2. A full sweep: everything running is due at once (no spread) and nothing changes, so no events.
    const sweep = worker.get(ReverifySweepService);
    start = now();
    const swept = await sweep.sweepOrg(orgId, { force: true, spreadSeconds: 0 });
    await sweep.enqueueDue();
    const sweepDone = await untilNoneDue(db, orgId, 600_000);
    const sweepSeconds = sweepDone ? secondsSince(start) : NaN;
    const extraEvents = sink.ids.size - received;

    // 3. The engine alone over the same inputs (both policies, the hot one failing).
    const compiled = [policyDoc('bench-base', 'registry.bench/**', 'pass'), policyDoc('bench-hot', 'registry.bench/hot/**', 'fail')].map((text, i) => {
      const parsed = parsePolicyDocument(text);
      if (!parsed.ok) throw new Error('bench policy does not compile');
      return { ...parsed.policy, revision: i + 1 };
    });
    const engineRate = engineBaseline(settings, pairs, compiled);

    log('');
    log(
      table(
        ['measure', 'images (cluster × digest)', 'seconds', 'evaluations/s', 'target'],
        [
          ['policy change (10%) → last CloudEvent', fmtInt(affected), changeSeconds.toFixed(1), fmtRate(affected / changeSeconds), `< ${TARGET_CHANGE_SECONDS} s`],
          ['full sweep (nothing changes)', fmtInt(swept?.marked ?? 0), sweepSeconds.toFixed(1), fmtRate(pairs / sweepSeconds), `< ${TARGET_SWEEP_SECONDS} s`],
          ['baseline: policy engine in a loop', fmtInt(pairs), '', fmtRate(engineRate), ''],
        ],
      ),
    );
    log(`events received ${fmtInt(received)} / expected ${fmtInt(affected)}; open violations ${fmtInt(openRows[0].n)}; events during the sweep ${extraEvents}`);
    // Wrong answers fail the run; a missed target is reported (docs/benchmarks.md, "How to run").
    const correct = allReceived && sweepDone && openRows[0].n === affected && extraEvents === 0;
    const met = changeSeconds < TARGET_CHANGE_SECONDS && sweepSeconds < TARGET_SWEEP_SECONDS;
    log(`${correct ? 'answers correct' : 'WRONG ANSWERS'}; targets ${met ? 'met' : 'NOT met (see above)'}`);
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
