import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { HousekeepingService } from '../../apps/worker/src/housekeeping/housekeeping.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { loadPlatformConfig } from '../../libs/shared/config/src';
import { AgentClient } from '../support/agent-client';
import { ApiHarness, TEST_ADMIN_TOKEN, TEST_REDIS_URL, TEST_SECRET_KEY } from '../support/api-harness';
import { createTenant, TenantFixture } from '../support/tenant-fixtures';

// The workload_image_runs rollup (and its group list, workload_images) behind exposure: ingest keeps it equal to
// what vigil_workload_image_runs_of() computes from the observations, through
// snapshots, deltas, deletes, a delete the agent missed, restarts, a rolling
// update and retention; and exposure answers from it, with and without a window.

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const BASE = Date.UTC(2026, 9, 1, 12, 0, 0);
const T = (minutes: number) => new Date(BASE + minutes * 60_000).toISOString();
const D_WEB1 = digest(0xd1);
const D_WEB2 = digest(0xd2);
const D_JOB = digest(0xd3);
const D_DEBUG = digest(0xd4);
const D_PROXY = digest(0xe1);
const D_INIT = digest(0xe2);
const ADVISORY = 'GHSA-runs-0000-0001';
const ALIAS = 'CVE-2099-4242';

interface Container {
  name: string;
  image: string;
  digest: string;
  startedAt?: string;
  terminatedAt?: string;
  type?: 'container' | 'init';
}

interface RunRow {
  namespace: string;
  workload_kind: string;
  workload_name: string;
  image_digest: string;
  image_ref: string;
  first_seen: string;
  last_seen: string;
  running: boolean;
}

describe('workload image runs: the exposure rollup', () => {
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let acme: TenantFixture;
  let clusterId: string;
  let agent: AgentClient;
  let db: Client;
  let sequence = 0;

  const web = (uid: string, at: string, app: Container, extra: Container[] = []) => ({
    op: 'upsert',
    uid,
    namespace: 'shop',
    name: `web-${uid}`,
    node: 'node-1',
    owner: { kind: 'ReplicaSet', name: 'web' },
    observedAt: at,
    containers: [app, ...extra].map((c) => ({ name: c.name, type: c.type ?? 'container', image: c.image, imageDigest: c.digest, startedAt: c.startedAt, terminatedAt: c.terminatedAt })),
  });
  const bare = (uid: string, owner: { kind: string; name: string } | undefined, at: string, containers: Container[]) => ({
    op: 'upsert',
    uid,
    namespace: 'shop',
    name: uid,
    node: 'node-2',
    owner,
    observedAt: at,
    containers: containers.map((c) => ({ name: c.name, type: c.type ?? 'container', image: c.image, imageDigest: c.digest, startedAt: c.startedAt, terminatedAt: c.terminatedAt })),
  });
  const deleted = (uid: string, at: string) => ({ op: 'delete', uid, namespace: 'shop', name: uid, observedAt: at, containers: [] });

  const app1 = (started: string): Container => ({ name: 'app', image: 'registry.example/shop/web:1', digest: D_WEB1, startedAt: started });
  const app2 = (started: string): Container => ({ name: 'app', image: 'registry.example/shop/web:2', digest: D_WEB2, startedAt: started });
  const proxy = (started: string): Container => ({ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.22.0', digest: D_PROXY, startedAt: started });
  const init = (started: string, ended: string): Container => ({ name: 'config-init', type: 'init', image: 'registry.example/platform/init:2', digest: D_INIT, startedAt: started, terminatedAt: ended });
  const job = (started: string, ended?: string): Container => ({ name: 'job', image: 'registry.example/shop/report:3', digest: D_JOB, startedAt: started, terminatedAt: ended });

  async function send(kind: 'delta' | 'snapshot', at: string, pods: unknown[], snapshot?: { id: string; part: number; last: boolean }) {
    const res = await agent.send('POST', '/v1/agent/inventory', { agentId: 'agent-a', sequence: ++sequence, kind, sentAt: at, pods, ...(snapshot && { snapshot }) });
    expect(res.status).toBe(200);
    expect(res.body.applied).toBe(true);
  }

  const iso = (d: Date) => d.toISOString();
  const runKey = (r: RunRow) => [r.namespace, r.workload_kind, r.workload_name, r.image_digest, r.image_ref, r.first_seen].join(' ');

  /** The incrementally maintained rows, and what the rebuild function computes from the observations now. */
  async function runs(): Promise<{ maintained: RunRow[]; rebuilt: RunRow[] }> {
    const select = (from: string) =>
      `SELECT namespace, workload_kind, workload_name, image_digest, image_ref, first_seen, last_seen, running FROM ${from} ORDER BY image_digest, workload_name, first_seen`;
    const norm = (rows: any[]): RunRow[] => rows.map((r) => ({ ...r, first_seen: iso(r.first_seen), last_seen: iso(r.last_seen) }));
    const maintained = norm((await db.query(select(`workload_image_runs WHERE org_id = '${acme.orgId}'`))).rows);
    const rebuilt = norm((await db.query(select(`vigil_workload_image_runs_of('${acme.orgId}')`))).rows);
    return { maintained, rebuilt };
  }

  /**
   * Maintained = rebuilt, except that a run's last_seen may trail by at most a
   * minute (ingest writes a run only when it grows by more, or starts or stops
   * running). The scenario below is built so that every run's end is exact
   * except where noted.
   */
  async function expectRunsConsistent(): Promise<RunRow[]> {
    const { maintained, rebuilt } = await runs();
    expect(maintained.map(runKey)).toEqual(rebuilt.map(runKey));
    // workload_images lists exactly the groups that have runs.
    const groups = await db.query(
      `SELECT image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref FROM workload_images WHERE org_id = $1
       EXCEPT ALL SELECT DISTINCT image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref FROM workload_image_runs WHERE org_id = $1`,
      [acme.orgId],
    );
    const missing = await db.query(
      `SELECT DISTINCT image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref FROM workload_image_runs WHERE org_id = $1
       EXCEPT SELECT image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref FROM workload_images WHERE org_id = $1`,
      [acme.orgId],
    );
    expect({ extra: groups.rows, missing: missing.rows }).toEqual({ extra: [], missing: [] });
    rebuilt.forEach((want, i) => {
      const got = maintained[i];
      expect({ key: runKey(got), running: got.running }).toEqual({ key: runKey(want), running: want.running });
      const lag = Date.parse(want.last_seen) - Date.parse(got.last_seen);
      expect({ key: runKey(got), lagOk: lag >= 0 && lag <= 60_000 }).toEqual({ key: runKey(want), lagOk: true });
    });
    return maintained;
  }

  const exposure = async (query = '') => {
    const res = await api.request('GET', `/v1/advisories/${ADVISORY}/exposure${query}`, { token: acme.owner.token });
    expect(res.status).toBe(200);
    return (res.body.items as any[]).map((i) => `${i.workload.kind ?? '-'}/${i.workload.name ?? '-'} ${i.image.ref} ${i.firstSeen}..${i.lastSeen}${i.running ? ' running' : ''}`);
  };

  beforeAll(async () => {
    api = await ApiHarness.start();
    const config = loadPlatformConfig({ DATABASE_URL: api.databaseUrl, REDIS_URL: TEST_REDIS_URL, VIGIL_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent' });
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, { queuePrefix: `test-runs-${Date.now()}` }), { logger: false });
    acme = await createTenant(api, 'acme');
    const cluster = await api.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name: 'prod' } });
    clusterId = cluster.body.id;
    agent = await AgentClient.register(api, cluster.body.registrationToken);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();

    // One advisory for the package in web:1, web:2 and the report job's image.
    const record = {
      id: ADVISORY,
      modified: '2026-09-01T00:00:00Z',
      aliases: [ALIAS],
      affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] }],
    };
    expect((await api.request('POST', '/v1/advisories/import', { token: TEST_ADMIN_TOKEN, body: record })).status).toBe(200);
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.stop();
  });

  it('keeps the runs equal to a rebuild through a realistic sequence, and exposure answers from them', async () => {
    // A snapshot: two web pods (app + sidecar + finished init), a finished report job, a bare debug pod.
    await send('snapshot', T(0), [
      web('w1', T(0), app1(T(-100)), [proxy(T(-100)), init(T(-101), T(-100.5))]),
      web('w2', T(0), app1(T(-50)), [proxy(T(-50)), init(T(-51), T(-50.5))]),
      bare('job-1', { kind: 'Job', name: 'report' }, T(0), [job(T(-20), T(-10))]),
      bare('debug', undefined, T(0), [{ name: 'sh', image: 'busybox:1.36', digest: D_DEBUG, startedAt: T(-5) }]),
    ], { id: 'snap-1', part: 0, last: true });
    await expectRunsConsistent();

    // SBOMs of the images, matched against the advisory at upload.
    const sbom = (version: string) => ({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, components: [{ type: 'library', name: 'left-pad', version, purl: `pkg:npm/left-pad@${version}` }] });
    for (const d of [D_WEB1, D_JOB]) {
      expect((await api.request('PUT', `/v1/images/${d}/sbom`, { token: acme.owner.token, body: sbom('1.0.0') })).body).toEqual(expect.objectContaining({ vulnerabilityCount: 1 }));
    }

    // Relists: the first grows the running runs by 3 minutes (written), the second by 30 s (not written: the lag).
    await send('delta', T(3), [web('w1', T(3), app1(T(-100)), [proxy(T(-100)), init(T(-101), T(-100.5))])]);
    await send('delta', T(3.5), [web('w2', T(3.5), app1(T(-50)), [proxy(T(-50)), init(T(-51), T(-50.5))])]);
    const lagging = await expectRunsConsistent();
    expect(lagging.find((r) => r.image_digest === D_WEB1)).toEqual(expect.objectContaining({ first_seen: T(-100), last_seen: T(3), running: true }));

    // The report job restarts 3 minutes after its last run ended (one run), then again after 22 minutes (a new run).
    await send('delta', T(5), [bare('job-2', { kind: 'Job', name: 'report' }, T(5), [job(T(-7), T(-2))])]);
    await expectRunsConsistent();

    // Rolling update to web:2: a new pod, then the old ones deleted one by one.
    await send('delta', T(10), [web('w3', T(10), app2(T(10)), [proxy(T(10)), init(T(9.5), T(10.2))])]);
    expect((await api.request('PUT', `/v1/images/${D_WEB2}/sbom`, { token: acme.owner.token, body: sbom('1.0.0') })).body).toEqual(expect.objectContaining({ vulnerabilityCount: 1 }));
    await send('delta', T(12), [deleted('w1', T(12))]);
    await expectRunsConsistent();
    await send('delta', T(14), [deleted('w2', T(14))]);
    const rolled = await expectRunsConsistent();
    expect(rolled.filter((r) => r.image_digest === D_WEB1)).toEqual([expect.objectContaining({ first_seen: T(-100), last_seen: T(14), running: false })]);
    // The sidecar ran without a break across the rolling update: one run, still running.
    expect(rolled.filter((r) => r.image_digest === D_PROXY)).toEqual([expect.objectContaining({ first_seen: T(-100), running: true })]);

    await send('delta', T(25), [bare('job-3', { kind: 'Job', name: 'report' }, T(25), [job(T(20), T(25))])]);
    await send('delta', T(30), [web('w3', T(30), app2(T(10)), [proxy(T(10)), init(T(9.5), T(10.2))])]);
    await expectRunsConsistent();

    // The debug pod was deleted while the agent was away: the next snapshot does not list it and closes it at its start.
    await send('snapshot', T(40), [web('w3', T(40), app2(T(10)), [proxy(T(10)), init(T(9.5), T(10.2))])], { id: 'snap-2', part: 0, last: false });
    await send('snapshot', T(40.5), [], { id: 'snap-2', part: 1, last: true });
    const afterSnapshot = await expectRunsConsistent();
    expect(afterSnapshot.filter((r) => r.image_digest === D_DEBUG)).toEqual([
      expect.objectContaining({ workload_kind: '', workload_name: '', first_seen: T(-5), last_seen: T(40), running: false }),
    ]);
    expect(afterSnapshot.filter((r) => r.image_digest === D_JOB).map((r) => `${r.first_seen}..${r.last_seen}`)).toEqual([`${T(-20)}..${T(-2)}`, `${T(20)}..${T(25)}`]);

    // Exposure: all history is the hull per workload and image, as before the rollup.
    expect(await exposure()).toEqual([
      `Job/report registry.example/shop/report:3 ${T(-20)}..${T(25)}`,
      `ReplicaSet/web registry.example/shop/web:1 ${T(-100)}..${T(14)}`,
      `ReplicaSet/web registry.example/shop/web:2 ${T(10)}..${T(40)} running`,
    ]);
    // A window takes the runs that overlap it: the job's second run only; web:1 ended before it.
    expect(await exposure(`?from=${T(15)}&to=${T(22)}`)).toEqual([
      `Job/report registry.example/shop/report:3 ${T(20)}..${T(25)}`,
      `ReplicaSet/web registry.example/shop/web:2 ${T(10)}..${T(40)} running`,
    ]);
    // The job's first run is reported whole (from T(-20)), though only its second pod (T(-7)..T(-2)) overlaps the window.
    expect(await exposure(`?from=${T(-5)}&to=${T(5)}`)).toEqual([
      `Job/report registry.example/shop/report:3 ${T(-20)}..${T(-2)}`,
      `ReplicaSet/web registry.example/shop/web:1 ${T(-100)}..${T(14)}`,
    ]);
    // Long after the last report, web:2 still runs, so it is exposed then.
    expect(await exposure(`?from=${T(24 * 60)}`)).toEqual([`ReplicaSet/web registry.example/shop/web:2 ${T(10)}..${T(40)} running`]);
    // Paging by the same key as before.
    const page1 = await api.request('GET', `/v1/advisories/${ALIAS}/exposure?limit=2`, { token: acme.owner.token });
    expect(page1.body.items).toHaveLength(2);
    const page2 = await api.request('GET', `/v1/advisories/${ALIAS}/exposure?limit=2&cursor=${page1.body.nextCursor}`, { token: acme.owner.token });
    expect(page2.body.items.map((i: any) => i.image.ref)).toEqual(['registry.example/shop/web:2']);
    expect(page2.body.nextCursor).toBeNull();

    // Retention of 30 days, 30 days and 15 minutes later: everything that ended before T(15) goes.
    expect((await api.request('PATCH', `/v1/orgs/${acme.orgId}`, { token: acme.owner.token, body: { inventoryRetentionDays: 30 } })).status).toBe(200);
    const report = await worker.get(HousekeepingService).tick(new Date(BASE + 30 * 86_400_000 + 15 * 60_000));
    expect(report.observationsDeleted).toBeGreaterThan(0);
    const retained = await expectRunsConsistent();
    expect(retained.filter((r) => r.image_digest === D_WEB1)).toEqual([]);
    // The sidecar's run now starts with the container that is left (w3's).
    expect(retained.filter((r) => r.image_digest === D_PROXY)).toEqual([expect.objectContaining({ first_seen: T(10), running: true })]);
    expect(await exposure()).toEqual([
      `Job/report registry.example/shop/report:3 ${T(20)}..${T(25)}`,
      `ReplicaSet/web registry.example/shop/web:2 ${T(10)}..${T(40)} running`,
    ]);
    expect(retained.every((r) => r.namespace === 'shop')).toBe(true);
    const { rows } = await db.query(`SELECT DISTINCT cluster_id::text AS id FROM workload_image_runs`);
    expect(rows).toEqual([{ id: clusterId }]);
  });
});
