// The agent against the real platform, both as operators run them: the built
// agent (dist/apps/agent/src/main.js) watching a fake kube API that lives in
// this test process, the built API and worker on a fresh migrated database.
// Nothing here is timed: every wait polls for a state and is bounded only so a
// hang fails with a message instead of the jest timeout.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmptyDatabase } from '../../libs/shared/testing/src';
import { FakeKubeApiServer, podFixture } from '../../tools/simulated-cluster';
import { admissionReview } from '../agent/support/admission-reviews';
import { TlsFiles, eventually, getText, makeTls, postJson } from '../agent/support/agent-test-harness';
import { freePort } from '../support/oidc-provider-process';
import { RunningProcess, runToCompletion, startProcess, waitForOk } from '../support/processes';

jest.setTimeout(180_000);

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_TOKEN = 'e2e-agent-admin-token-0123456789abcdef';
const SECRET_KEY = 'e2e-agent-secret-key-0123456789abcdef0123';
const NAMESPACE = 'vigil-system';
const CREDENTIAL_SECRET = 'vigil-agent-credential';
const WAIT_MS = 45_000;
const LEASE_MS = 3000;

const digest = (c: string) => `sha256:${c.repeat(64)}`;
/** The kubelet reports container start times in whole seconds. */
const kubeNow = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');

interface Container {
  clusterId: string;
  namespace: string;
  pod: string;
  container: string;
  workload: { kind: string | null; name: string | null };
  image: { ref: string; digest: string };
  firstSeen: string;
  lastSeen: string | null;
  running: boolean;
}

describe('agent and platform end to end (built processes, fake kube API)', () => {
  let database: { url: string; drop: () => Promise<void> };
  let kube: FakeKubeApiServer;
  let tls: TlsFiles;
  let kubeconfig: string;
  let api: RunningProcess | undefined;
  let worker: RunningProcess | undefined;
  const agents: RunningProcess[] = [];
  let apiPort: number;
  let apiEnv: Record<string, string>;
  let orgId: string;
  let clusterId: string;
  let registrationToken: string;
  let firstWebhookPort = 0;
  let secondWebhookPort = 0;

  const base = () => `http://127.0.0.1:${apiPort}`;
  const admin = () => ({ 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}`, ...(orgId ? { 'vigil-org-id': orgId } : {}) });
  const containers = async (query: string): Promise<Container[]> => {
    const res = await fetch(`${base()}/v1/inventory/containers?clusterId=${clusterId}&limit=1000&${query}`, { headers: admin() });
    if (res.status !== 200) throw new Error(`inventory answered ${res.status}: ${await res.text()}`);
    return ((await res.json()) as { items: Container[] }).items;
  };
  const find = (items: Container[], pod: string, imageDigest?: string) => items.filter((c) => c.pod === pod && (!imageDigest || c.image.digest === imageDigest));
  const startApi = async () => {
    api = startProcess('dist/apps/api/src/main.js', { ...apiEnv, PORT: String(apiPort) });
    await waitForOk(`${base()}/readyz`, api, WAIT_MS);
  };
  const startAgent = (name: string, webhookPort: number): RunningProcess => {
    const agent = startProcess('dist/apps/agent/src/main.js', {
      VIGIL_API_URL: base(),
      VIGIL_REGISTRATION_TOKEN: registrationToken,
      VIGIL_CREDENTIALS_STORE: 'secret',
      VIGIL_CREDENTIALS_SECRET: CREDENTIAL_SECRET,
      POD_NAMESPACE: NAMESPACE,
      POD_NAME: name,
      KUBECONFIG: kubeconfig,
      WEBHOOK_PORT: String(webhookPort),
      WEBHOOK_TLS_CERT: tls.cert,
      WEBHOOK_TLS_KEY: tls.key,
      VIGIL_INVENTORY_FLUSH_MS: '100',
      VIGIL_HEARTBEAT_INTERVAL_MS: '1000',
      VIGIL_PLATFORM_TIMEOUT_MS: '3000',
      // Leader election is on by default (the namespace is known); short timings so a hand-over fits a test.
      VIGIL_LEADER_ELECTION_LEASE_DURATION_MS: String(LEASE_MS),
      VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS: '2000',
      VIGIL_LEADER_ELECTION_RETRY_PERIOD_MS: '500',
      LOG_LEVEL: 'info',
    });
    agents.push(agent);
    return agent;
  };
  const agentReady = (agent: RunningProcess, port: number) =>
    eventually(async () => {
      if (agent.child.exitCode !== null) throw new Error(`agent exited:\n${agent.output()}`);
      const r = await getText(port, tls.ca, '/readyz');
      expect(r.status).toBe(200);
    }, 'agent /readyz', WAIT_MS);
  const metric = async (port: number, pattern: RegExp): Promise<number> => {
    const text = (await getText(port, tls.ca, '/metrics')).text;
    return text
      .split('\n')
      .filter((l) => pattern.test(l))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  };

  beforeAll(async () => {
    database = await createEmptyDatabase();
    const migrated = await runToCompletion('dist/tools/migrate.js', { DATABASE_URL: database.url });
    if (migrated.code !== 0) throw new Error(`migrate failed:\n${migrated.output}`);
    apiPort = await freePort();
    apiEnv = { DATABASE_URL: database.url, REDIS_URL, VIGIL_SECRET_KEY: SECRET_KEY, VIGIL_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'warn' };
    worker = startProcess('dist/apps/worker/src/main.js', { ...apiEnv, WORKER_HEALTH_PORT: String(await freePort()) });
    await startApi();

    kube = new FakeKubeApiServer({ bookmarkIntervalMs: 1000 });
    await kube.start();
    tls = makeTls();
    const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-agent-'));
    kubeconfig = join(dir, 'kubeconfig.json');
    writeFileSync(kubeconfig, JSON.stringify(kube.kubeconfig()));

    const org = await fetch(`${base()}/v1/orgs`, { method: 'POST', headers: admin(), body: JSON.stringify({ name: 'e2e-agent' }) });
    expect(org.status).toBe(201);
    const orgBody = (await org.json()) as { id: string; rootGroupId: string };
    orgId = orgBody.id;
    const cluster = await fetch(`${base()}/v1/clusters`, { method: 'POST', headers: admin(), body: JSON.stringify({ groupId: orgBody.rootGroupId, name: 'e2e', noMatch: 'deny' }) });
    expect(cluster.status).toBe(201);
    ({ id: clusterId, registrationToken } = (await cluster.json()) as { id: string; registrationToken: string });
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    await api?.stop();
    await worker?.stop();
    await kube?.stop();
    await database?.drop();
  });

  it('streams pods created, changed and deleted into the inventory, with their intervals, and loses nothing while the API is down', async () => {
    const t0 = kubeNow();
    kube.replicaSets.upsert({
      metadata: { name: 'web-5d8f', namespace: 'shop', uid: 'rs-web', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'dep-web', controller: true }] },
    });
    kube.pods.upsert(
      podFixture({
        namespace: 'shop',
        name: 'web-5d8f-aaaaa',
        uid: 'pod-web-a',
        owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', uid: 'rs-web' },
        containers: [{ name: 'app', image: 'registry.example.com/shop/web:1.0', digest: digest('a'), startedAt: t0 }],
      }),
    );
    kube.pods.upsert(
      podFixture({
        namespace: 'shop',
        name: 'ledger-0',
        uid: 'pod-ledger-0',
        owner: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'ledger', uid: 'sts-ledger' },
        containers: [{ name: 'ledger', image: 'registry.example.com/shop/ledger:3.1', digest: digest('b'), startedAt: t0 }],
      }),
    );

    const webhookPort = await freePort();
    firstWebhookPort = webhookPort;
    const agent = startAgent('vigil-agent-0', webhookPort);
    await agentReady(agent, webhookPort);
    // Registered through the real platform, and stored for the other replicas in the Secret.
    expect(kube.secrets.get(NAMESPACE, CREDENTIAL_SECRET)).toBeDefined();

    // 1. Existing pods arrive (start snapshot), with their workloads.
    const initial = await eventually(async () => {
      const items = await containers('running=true');
      expect(items.map((c) => c.pod).sort()).toEqual(['ledger-0', 'web-5d8f-aaaaa']);
      return items;
    }, 'initial pods in the inventory', WAIT_MS);
    expect(find(initial, 'web-5d8f-aaaaa')[0]).toMatchObject({
      clusterId,
      namespace: 'shop',
      container: 'app',
      workload: { kind: 'Deployment', name: 'web' },
      image: { ref: 'registry.example.com/shop/web:1.0', digest: digest('a') },
      running: true,
    });
    expect(new Date(find(initial, 'web-5d8f-aaaaa')[0]!.firstSeen).toISOString()).toBe(new Date(t0).toISOString());
    expect(find(initial, 'ledger-0')[0]!.workload).toEqual({ kind: 'StatefulSet', name: 'ledger' });
    const beforeChanges = new Date().toISOString();

    // 2. An image update (new digest in the same pod) and a deletion.
    await new Promise((r) => setTimeout(r, 1100)); // a new whole second, so the new container's start differs from t0
    const changeStart = Date.now();
    const t1 = kubeNow();
    kube.pods.upsert(
      podFixture({
        namespace: 'shop',
        name: 'web-5d8f-aaaaa',
        uid: 'pod-web-a',
        owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', uid: 'rs-web' },
        containers: [{ name: 'app', image: 'registry.example.com/shop/web:1.1', digest: digest('c'), startedAt: t1 }],
      }),
    );
    kube.pods.delete('shop', 'ledger-0');
    await eventually(async () => {
      const running = await containers('running=true');
      expect(running.map((c) => `${c.pod}/${c.image.digest}`)).toEqual([`web-5d8f-aaaaa/${digest('c')}`]);
    }, 'update and delete reflected', WAIT_MS);
    const changeSeen = Date.now();
    const ended = await containers('running=false');
    const oldWeb = find(ended, 'web-5d8f-aaaaa', digest('a'))[0]!;
    const ledger = find(ended, 'ledger-0')[0]!;
    for (const closed of [oldWeb, ledger]) {
      expect(closed.running).toBe(false);
      expect(Date.parse(closed.lastSeen!)).toBeGreaterThanOrEqual(changeStart);
      expect(Date.parse(closed.lastSeen!)).toBeLessThanOrEqual(changeSeen);
    }
    expect(new Date(find(await containers('running=true'), 'web-5d8f-aaaaa')[0]!.firstSeen).toISOString()).toBe(new Date(t1).toISOString());

    // 3. The past, as it was: before the changes the old image and the ledger ran.
    const past = await containers(`at=${encodeURIComponent(beforeChanges)}`);
    expect(past.map((c) => `${c.pod}/${c.image.digest}`).sort()).toEqual([`ledger-0/${digest('b')}`, `web-5d8f-aaaaa/${digest('a')}`].sort());

    // 4. The API goes away; the cluster keeps changing.
    await api!.stop();
    const outageStart = Date.now();
    const t2 = kubeNow();
    kube.pods.upsert(
      podFixture({
        namespace: 'shop',
        name: 'web-5d8f-bbbbb',
        uid: 'pod-web-b',
        owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', uid: 'rs-web' },
        containers: [{ name: 'app', image: 'registry.example.com/shop/web:1.1', digest: digest('c'), startedAt: t2 }],
      }),
    );
    kube.pods.delete('shop', 'web-5d8f-aaaaa');
    // The agent saw both changes and holds them: its buffer is not empty while the API is down.
    await eventually(async () => expect(await metric(webhookPort, /^vigil_agent_inventory_buffered_deltas /)).toBeGreaterThan(0), 'agent buffers deltas', WAIT_MS);
    const outageEnd = Date.now();
    await startApi();

    // 5. Everything that happened during the outage arrives, with the times it happened.
    const afterOutage = await eventually(async () => {
      const running = await containers('running=true');
      expect(running.map((c) => `${c.pod}/${c.image.digest}`)).toEqual([`web-5d8f-bbbbb/${digest('c')}`]);
      return running;
    }, 'outage changes delivered', WAIT_MS);
    expect(new Date(afterOutage[0]!.firstSeen).toISOString()).toBe(new Date(t2).toISOString());
    const gone = find(await containers('running=false'), 'web-5d8f-aaaaa', digest('c'))[0]!;
    expect(Date.parse(gone.lastSeen!)).toBeGreaterThanOrEqual(outageStart);
    expect(Date.parse(gone.lastSeen!)).toBeLessThanOrEqual(outageEnd);
    // Nothing else was lost or invented: the full history has exactly these five container intervals.
    const all = await containers('running=all');
    expect(all.map((c) => `${c.pod}/${c.image.digest}/${c.running}`).sort()).toEqual(
      [
        `ledger-0/${digest('b')}/false`,
        `web-5d8f-aaaaa/${digest('a')}/false`,
        `web-5d8f-aaaaa/${digest('c')}/false`,
        `web-5d8f-bbbbb/${digest('c')}/true`,
      ].sort(),
    );
    expect(agent.output()).not.toContain(registrationToken);
  });

  it('answers an AdmissionReview over HTTPS with the real platform\'s decision (no policy matches, cluster denies)', async () => {
    expect(firstWebhookPort).toBeGreaterThan(0);
    const webhookPort = firstWebhookPort;
    const review = admissionReview({
      kind: 'Pod',
      namespace: 'shop',
      name: 'unreviewed',
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'unreviewed', namespace: 'shop' },
        spec: { containers: [{ name: 'app', image: `registry.example.com/shop/unreviewed@${digest('d')}` }] },
      },
    });
    const answer = await postJson(webhookPort, tls.ca, '/validate', review);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: (review.request as { uid: string }).uid, allowed: false } });
    // The reason is the platform's policy engine's, not the agent's failure policy.
    expect(answer.json.response.status.message).toContain('matches no policy');
  });

  it('a second replica with the spent token runs on the credential the first stored in the Secret', async () => {
    const port = await freePort();
    secondWebhookPort = port;
    const second = startAgent('vigil-agent-1', port);
    await agentReady(second, port);
    // Its signed heartbeats are accepted by the real platform.
    await eventually(async () => expect(await metric(port, /^vigil_agent_platform_request_duration_seconds_count\{endpoint="heartbeat",outcome="ok"\}/)).toBeGreaterThan(0), 'heartbeat ok', WAIT_MS);
    expect(await metric(port, /^vigil_agent_platform_request_duration_seconds_count\{endpoint="register"/)).toBe(0);
    expect(second.output()).toContain('using the stored cluster credential');
  });
  it('leader election across processes: the follower beats without a node count, and takes over within a lease duration when the leader is killed (SIGKILL)', async () => {
    const [first] = agents;
    const holder = () => (kube.leases.get(NAMESPACE, 'vigil-agent')?.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '';
    expect(holder()).toMatch(/^vigil-agent-0-/);
    const roleOf = async (port: number) => JSON.parse((await getText(port, tls.ca, '/readyz')).text).role as string;
    expect(await roleOf(firstWebhookPort)).toBe('leader');
    expect(await roleOf(secondWebhookPort)).toBe('follower');
    const cluster = async () => (await (await fetch(`${base()}/v1/clusters/${clusterId}`, { headers: admin() })).json()) as { nodeCount: number | null };
    // The leader counted the node its pods run on; the follower's beats (no nodeCount) leave it alone.
    await eventually(async () => expect((await cluster()).nodeCount).toBe(1), 'node count from the leader', WAIT_MS);

    first!.child.kill('SIGKILL');
    await first!.exited;
    const lastRenewal = [...kube.leaseHistory].reverse().find((h) => h.holderIdentity?.startsWith('vigil-agent-0-'))!;
    await eventually(() => expect(holder()).toMatch(/^vigil-agent-1-/), 'the follower takes the lease', WAIT_MS);
    const taken = kube.leaseHistory.find((h) => h.holderIdentity?.startsWith('vigil-agent-1-'))!;
    // Not before the lease expired by the follower's clock (no release after SIGKILL), and not much later.
    expect(taken.at - lastRenewal.at).toBeGreaterThanOrEqual(LEASE_MS);
    expect(taken.at - lastRenewal.at).toBeLessThan(LEASE_MS + 2000);
    await eventually(async () => expect(await roleOf(secondWebhookPort)).toBe('leader'), 'the second reports leader', WAIT_MS);

    // The new leader's inventory reaches the real platform.
    kube.pods.upsert(podFixture({ namespace: 'shop', name: 'after-failover', uid: 'pod-after-failover', containers: [{ name: 'app', image: 'registry.example.com/shop/web:2.0', digest: digest('e'), startedAt: kubeNow() }] }));
    await eventually(async () => expect(find(await containers('namespace=shop&running=true'), 'after-failover')).toHaveLength(1), 'inventory from the new leader', WAIT_MS);
    expect((await cluster()).nodeCount).toBe(1);
  });
});
