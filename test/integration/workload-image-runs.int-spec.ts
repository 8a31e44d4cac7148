import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { HousekeepingService } from '../../apps/worker/src/housekeeping/housekeeping.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { InventoryFoldService } from '../../libs/inventory/src';
import { loadPlatformConfig } from '../../libs/shared/config/src';
import { AgentClient } from '../support/agent-client';
import { ApiHarness, TEST_ADMIN_TOKEN, TEST_REDIS_URL, TEST_SECRET_KEY } from '../support/api-harness';
import { createTenant, TenantFixture } from '../support/tenant-fixtures';
import { startWorker, until } from '../support/worker-harness';

// The workload_image_runs rollup (and its group list, workload_images) behind exposure: ingest marks the pods it
// touched due, the fold (worker) brings the rollup to what vigil_workload_image_runs_of() computes from the
// observations, through snapshots, deltas, deletes, a delete the agent missed, restarts, a rolling update and
// retention; and exposure answers from it, with and without a window. Here the API's jobs go to a queue no
// worker reads, so the test folds by hand after every batch (and the lost jobs are the sweep's to find).

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

  /** What the worker's job does after a batch: fold the cluster's due pods; nothing is left due. */
  async function fold() {
    const folds = worker.get(InventoryFoldService);
    await folds.foldCluster({ orgId: acme.orgId, clusterId });
    expect(await folds.due(acme.orgId, clusterId)).toBe(0);
  }

  /** Every batch is folded before the next arrives (the rollup is checked after each). */
  async function sendAndFold(kind: 'delta' | 'snapshot', at: string, pods: unknown[], snapshot?: { id: string; part: number; last: boolean }) {
    await send(kind, at, pods, snapshot);
    await fold();
  }

  const iso = (d: Date) => d.toISOString();
  const runKey = (r: RunRow) => [r.namespace, r.workload_kind, r.workload_name, r.image_digest, r.image_ref, r.first_seen].join(' ');

  /** The incrementally maintained rows, and what the rebuild function computes from the observations now. */
  async function runs(orgId = acme.orgId): Promise<{ maintained: RunRow[]; rebuilt: RunRow[] }> {
    const select = (from: string) =>
      `SELECT namespace, workload_kind, workload_name, image_digest, image_ref, first_seen, last_seen, running FROM ${from} ORDER BY image_digest, workload_name, first_seen`;
    const norm = (rows: any[]): RunRow[] => rows.map((r) => ({ ...r, first_seen: iso(r.first_seen), last_seen: iso(r.last_seen) }));
    const maintained = norm((await db.query(select(`workload_image_runs WHERE org_id = '${orgId}'`))).rows);
    const rebuilt = norm((await db.query(select(`vigil_workload_image_runs_of('${orgId}')`))).rows);
    return { maintained, rebuilt };
  }

  /**
   * Maintained = rebuilt, except that a run's last_seen may trail by at most a
   * minute (ingest writes a run only when it grows by more, or starts or stops
   * running). The scenario below is built so that every run's end is exact
   * except where noted.
   */
  async function expectRunsConsistent(orgId = acme.orgId): Promise<RunRow[]> {
    const { maintained, rebuilt } = await runs(orgId);
    expect(maintained.map(runKey)).toEqual(rebuilt.map(runKey));
    // workload_images lists exactly the groups that have runs.
    const groups = await db.query(
      `SELECT image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref FROM workload_images WHERE org_id = $1
       EXCEPT ALL SELECT DISTINCT image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref FROM workload_image_runs WHERE org_id = $1`,
      [orgId],
    );
    const missing = await db.query(
      `SELECT DISTINCT image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref FROM workload_image_runs WHERE org_id = $1
       EXCEPT SELECT image_digest, cluster_id, namespace, workload_kind, workload_name, image_ref FROM workload_images WHERE org_id = $1`,
      [orgId],
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
    await sendAndFold('snapshot', T(0), [
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
    await sendAndFold('delta', T(3), [web('w1', T(3), app1(T(-100)), [proxy(T(-100)), init(T(-101), T(-100.5))])]);
    await sendAndFold('delta', T(3.5), [web('w2', T(3.5), app1(T(-50)), [proxy(T(-50)), init(T(-51), T(-50.5))])]);
    const lagging = await expectRunsConsistent();
    expect(lagging.find((r) => r.image_digest === D_WEB1)).toEqual(expect.objectContaining({ first_seen: T(-100), last_seen: T(3), running: true }));

    // The report job restarts 3 minutes after its last run ended (one run), then again after 22 minutes (a new run).
    await sendAndFold('delta', T(5), [bare('job-2', { kind: 'Job', name: 'report' }, T(5), [job(T(-7), T(-2))])]);
    await expectRunsConsistent();

    // Rolling update to web:2: a new pod, then the old ones deleted one by one.
    await sendAndFold('delta', T(10), [web('w3', T(10), app2(T(10)), [proxy(T(10)), init(T(9.5), T(10.2))])]);
    expect((await api.request('PUT', `/v1/images/${D_WEB2}/sbom`, { token: acme.owner.token, body: sbom('1.0.0') })).body).toEqual(expect.objectContaining({ vulnerabilityCount: 1 }));
    await sendAndFold('delta', T(12), [deleted('w1', T(12))]);
    await expectRunsConsistent();
    await sendAndFold('delta', T(14), [deleted('w2', T(14))]);
    const rolled = await expectRunsConsistent();
    expect(rolled.filter((r) => r.image_digest === D_WEB1)).toEqual([expect.objectContaining({ first_seen: T(-100), last_seen: T(14), running: false })]);
    // The sidecar ran without a break across the rolling update: one run, still running.
    expect(rolled.filter((r) => r.image_digest === D_PROXY)).toEqual([expect.objectContaining({ first_seen: T(-100), running: true })]);

    await sendAndFold('delta', T(25), [bare('job-3', { kind: 'Job', name: 'report' }, T(25), [job(T(20), T(25))])]);
    await sendAndFold('delta', T(30), [web('w3', T(30), app2(T(10)), [proxy(T(10)), init(T(9.5), T(10.2))])]);
    await expectRunsConsistent();

    // The debug pod was deleted while the agent was away: the next snapshot does not list it and closes it at its start.
    await sendAndFold('snapshot', T(40), [web('w3', T(40), app2(T(10)), [proxy(T(10)), init(T(9.5), T(10.2))])], { id: 'snap-2', part: 0, last: false });
    await sendAndFold('snapshot', T(40.5), [], { id: 'snap-2', part: 1, last: true });
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

  describe('the fold, off the request path', () => {
    const folds = () => worker.get(InventoryFoldService);
    const due = (orgId: string, cluster: string) => folds().due(orgId, cluster);
    const MERGE = 'vigil_merge_workload_image_runs(uuid, uuid, text[], bigint[])';

    it('a lost job (due rows, no job) is picked up by the sweep once the rows outlive the grace', async () => {
      // The API's jobs go to a queue no worker reads here: this batch's job is lost.
      await send('delta', T(50), [bare('job-4', { kind: 'Job', name: 'report' }, T(50), [job(T(45), T(49))])]);
      expect(await due(acme.orgId, clusterId)).toBe(1);
      expect(await folds().sweep()).toEqual({ clusters: 0, queued: 0 }); // within the grace: its job may still come
      await db.query(`UPDATE inventory_folds_due SET due_at = now() - interval '2 minutes' WHERE org_id = $1`, [acme.orgId]);
      // The sweep queues the job on the worker's queue, and the worker folds.
      expect(await folds().sweep()).toEqual({ clusters: 1, queued: 1 });
      await until('the swept job folded the batch', async () => ((await due(acme.orgId, clusterId)) === 0 ? true : undefined), 15_000);
      const after = await expectRunsConsistent();
      expect(after.filter((r) => r.image_digest === D_JOB).map((r) => `${r.first_seen}..${r.last_seen}`)).toContain(`${T(45)}..${T(49)}`);
    });

    it('a fold that fails leaves its rows due, and a retry folds them', async () => {
      await send('delta', T(60), [bare('job-5', { kind: 'Job', name: 'report' }, T(60), [job(T(55), T(58))])]);
      await db.query(`REVOKE EXECUTE ON FUNCTION ${MERGE} FROM vigil_app`);
      try {
        await expect(folds().foldCluster({ orgId: acme.orgId, clusterId })).rejects.toThrow(/permission denied/);
      } finally {
        await db.query(`GRANT EXECUTE ON FUNCTION ${MERGE} TO vigil_app`);
      }
      expect(await due(acme.orgId, clusterId)).toBe(1);
      expect((await runs()).maintained.some((r) => r.first_seen === T(55))).toBe(false);
      expect(await folds().foldCluster({ orgId: acme.orgId, clusterId })).toEqual({ rows: 1, chunks: 1 });
      expect(await due(acme.orgId, clusterId)).toBe(0);
      await expectRunsConsistent();
    });

    it('keeps the backlog per org (row-level security)', async () => {
      const beta = await createTenant(api, 'beta-rls');
      await send('delta', T(70), [bare('job-6', { kind: 'Job', name: 'report' }, T(70), [job(T(65), T(68))])]);
      const app = new Client({ connectionString: api.databaseUrl, options: '-c role=vigil_app' });
      await app.connect();
      try {
        const asOrg = async <T>(orgId: string, work: () => Promise<T>): Promise<T> => {
          await app.query('BEGIN');
          try {
            await app.query(`SELECT set_config('app.org_id', $1, true)`, [orgId]);
            return await work();
          } finally {
            await app.query('ROLLBACK');
          }
        };
        const count = async () => Number((await app.query(`SELECT count(*) AS n FROM inventory_folds_due`)).rows[0].n);
        expect(await asOrg(acme.orgId, count)).toBe(1);
        expect(await asOrg(beta.orgId, count)).toBe(0);
        // Nor can another org add to (or clear) this org's backlog.
        await expect(
          asOrg(beta.orgId, () => app.query(`INSERT INTO inventory_folds_due (org_id, cluster_id, pod_uid) VALUES ($1, $2, 'x')`, [acme.orgId, clusterId])),
        ).rejects.toThrow(/row-level security/);
        expect(await asOrg(beta.orgId, async () => (await app.query(`DELETE FROM inventory_folds_due`)).rowCount)).toBe(0);
      } finally {
        await app.end();
      }
      await fold();
      await expectRunsConsistent();
    });

    it('folds a burst of batches at once to the same runs as the rebuild (jobs coalesce batches)', async () => {
      await send('delta', T(80), [web('w4', T(80), app2(T(79)), [proxy(T(79)), init(T(78.5), T(78.8))])]);
      const versions = async () =>
        Object.fromEntries((await db.query(`SELECT container_name, xmin::text AS v FROM observations WHERE org_id = $1 AND pod_uid = 'w3'`, [acme.orgId])).rows.map((r) => [r.container_name, r.v]));
      await send('delta', T(82), [web('w3', T(82), app2(T(10)), [proxy(T(10)), init(T(9.5), T(10.2))])]); // its init row went with retention: back
      const before = await versions();
      await send('delta', T(83), [web('w3', T(83), app2(T(10)), [proxy(T(10)), init(T(9.5), T(10.2))])]);
      // A relist rewrites the running containers (last_seen grows), not the finished init container.
      const after = await versions();
      expect({ init: after['config-init'] === before['config-init'], app: after.app === before.app }).toEqual({ init: true, app: false });
      await send('delta', T(84), [deleted('w4', T(84))]);
      await send('delta', T(85), [bare('job-7', { kind: 'Job', name: 'report' }, T(85), [job(T(83), T(84.5))])]);
      await send('delta', T(86), [bare('debug-2', undefined, T(86), [{ name: 'sh', image: 'busybox:1.36', digest: D_DEBUG, startedAt: T(86) }])]);
      // A snapshot that no longer lists debug-2 closes it (a missed delete), in the same backlog.
      await send('snapshot', T(95), [web('w3', T(95), app2(T(10)), [proxy(T(10)), init(T(9.5), T(10.2))])], { id: 'snap-3', part: 0, last: true });
      expect(await due(acme.orgId, clusterId)).toBe(8);
      expect(await folds().foldCluster({ orgId: acme.orgId, clusterId })).toEqual({ rows: 8, chunks: 1 });
      const folded = await expectRunsConsistent();
      expect(folded.filter((r) => r.image_digest === D_DEBUG).map((r) => `${r.first_seen}..${r.last_seen}`)).toContain(`${T(86)}..${T(95)}`);
    });

    describe('with a worker on the API\'s queue', () => {
      let live: INestApplicationContext;
      let gamma: TenantFixture;
      let gammaCluster: string;
      let gammaAgent: AgentClient;
      let gammaSequence = 0;

      const sendGamma = async (at: string, pods: unknown[]) => {
        const res = await gammaAgent.send('POST', '/v1/agent/inventory', { agentId: 'agent-g', sequence: ++gammaSequence, kind: 'delta', sentAt: at, pods });
        expect(res.status).toBe(200);
        expect(res.body.applied).toBe(true);
      };
      const gammaFolded = () => until('the worker folded gamma\'s backlog', async () => ((await due(gamma.orgId, gammaCluster)) === 0 ? true : undefined), 15_000);

      beforeAll(async () => {
        live = await startWorker(api);
        gamma = await createTenant(api, 'gamma');
        const cluster = await api.request('POST', '/v1/clusters', { token: gamma.owner.token, body: { groupId: gamma.rootGroupId, name: 'edge' } });
        gammaCluster = cluster.body.id;
        gammaAgent = await AgentClient.register(api, cluster.body.registrationToken);
      });
      afterAll(() => live.close());

      it('folds each batch in the worker after its commit', async () => {
        await sendGamma(T(0), [web('g1', T(0), app1(T(-10)), [proxy(T(-10))]), web('g2', T(0), app1(T(-5)), [proxy(T(-5))])]);
        await gammaFolded();
        const folded = await expectRunsConsistent(gamma.orgId);
        expect(folded.filter((r) => r.image_digest === D_WEB1)).toEqual([expect.objectContaining({ first_seen: T(-10), running: true })]);
      });

      it('folds a batch that arrives while a fold is running, and the agent does not wait for the fold', async () => {
        const blocker = new Client({ connectionString: api.databaseUrl });
        await blocker.connect();
        try {
          // Hold gamma's runs: the next fold that must rewrite one waits inside its transaction, its rows claimed.
          await blocker.query('BEGIN');
          await blocker.query(`SELECT id FROM workload_image_runs WHERE org_id = $1 FOR UPDATE`, [gamma.orgId]);
          await sendGamma(T(2), [deleted('g1', T(2))]);
          await until('a fold waits on the held runs', async () => {
            const { rows } = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
            return rows[0].n > 0 ? true : undefined;
          }, 15_000);
          // While that fold runs: a new workload. Its ingest is answered (above, 200) with the fold still blocked.
          await sendGamma(T(3), [bare('r1', { kind: 'Job', name: 'report' }, T(3), [job(T(1), T(2.5))])]);
          // Two rows: the blocked fold's claim (deleted, uncommitted: it stays due should the fold fail) and the new batch's.
          expect(await due(gamma.orgId, gammaCluster)).toBe(2);
          await blocker.query('COMMIT');
        } finally {
          await blocker.end();
        }
        await gammaFolded();
        const folded = await expectRunsConsistent(gamma.orgId);
        expect(folded.filter((r) => r.image_digest === D_JOB)).toEqual([expect.objectContaining({ first_seen: T(1), last_seen: T(2.5), running: false })]);
      });
    });
  });
});
