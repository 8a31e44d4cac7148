import type { AgentHandle } from '../../apps/agent/src/agent-app';
import { AgentPlatformDouble, FakeKubeApiServer, podFixture } from '../../tools/simulated-cluster';
import { TlsFiles, agentConfig, eventually, makeTls, startTestAgent } from './support/agent-test-harness';

jest.setTimeout(30_000);

const digest = (c: string) => `sha256:${c.repeat(64)}`;

interface Rig {
  kube: FakeKubeApiServer;
  platform: AgentPlatformDouble;
  agent: AgentHandle;
}

async function startRig(tls: TlsFiles, seed: (kube: FakeKubeApiServer) => void, overrides: Record<string, string> = {}, kubeOptions = {}): Promise<Rig> {
  const kube = new FakeKubeApiServer(kubeOptions);
  await kube.start();
  seed(kube);
  const platform = new AgentPlatformDouble();
  await platform.start();
  const agent = await startTestAgent(agentConfig(platform, tls, overrides), kube);
  await agent.ready;
  return { kube, platform, agent };
}

async function stopRig(rig: Rig | undefined): Promise<void> {
  await rig?.agent.stop();
  await rig?.platform.stop();
  await rig?.kube.stop();
}

/** Sequences per agent must be 1, 2, 3, … with no gap and no repeat. */
function expectContiguous(platform: AgentPlatformDouble): void {
  const seqs = platform.batches.map((b) => b.sequence);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
}

describe('agent pod inventory (fake kube API, platform test double)', () => {
  let tls: TlsFiles;
  let rig: Rig | undefined;
  beforeAll(() => (tls = makeTls()));
  afterEach(async () => {
    await stopRig(rig);
    rig = undefined;
  });

  it('starts with a snapshot of existing pods, owners resolved, metadata only', async () => {
    rig = await startRig(tls, (kube) => {
      kube.replicaSets.upsert({
        metadata: { name: 'web-7d4f', namespace: 'shop', uid: 'rs-uid', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'dep-uid', controller: true }] },
        spec: { template: { spec: { containers: [{ name: 'app', image: 'x', env: [{ name: 'K', value: 'secret-in-template' }] }] } } },
      });
      kube.jobs.upsert({ metadata: { name: 'report-28911', namespace: 'ops', uid: 'job-uid', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'report', uid: 'cj-uid', controller: true }] } });
      kube.pods.upsert(
        podFixture({
          namespace: 'shop',
          name: 'web-7d4f-abcde',
          uid: 'pod-web',
          owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4f', uid: 'rs-uid' },
          containers: [{ name: 'app', image: 'registry.example.com/web:1', digest: digest('a'), env: [{ name: 'DB_PASSWORD', value: 'hunter2' }] }],
          initContainers: [{ name: 'init', image: 'busybox:1', digest: digest('b') }],
          labels: { app: 'web' },
          annotations: { 'secret.example.com/token': 'abc' },
        }),
      );
      kube.pods.upsert(
        podFixture({
          namespace: 'ops',
          name: 'report-28911-xyz',
          uid: 'pod-job',
          owner: { apiVersion: 'batch/v1', kind: 'Job', name: 'report-28911', uid: 'job-uid' },
          containers: [{ name: 'report', image: 'report:2', digest: digest('c'), finishedAt: '2024-01-01T00:05:00Z' }],
        }),
      );
      kube.pods.upsert(podFixture({ namespace: 'shop', name: 'pulling', uid: 'pod-pulling', containers: [{ name: 'app', image: 'slow:1' }] }));
    });
    const { platform } = rig;
    const snapshot = await eventually(() => {
      const b = platform.batches.find((x) => x.kind === 'snapshot' && x.snapshot?.last);
      if (!b) throw new Error('no snapshot yet');
      return b;
    });
    expect(snapshot.sequence).toBe(1);
    const byUid = Object.fromEntries(snapshot.pods.map((p) => [p.uid, p]));
    expect(byUid['pod-web']).toMatchObject({
      op: 'upsert',
      namespace: 'shop',
      node: 'node-1',
      owner: { kind: 'Deployment', name: 'web' },
      containers: [
        { name: 'app', type: 'container', image: 'registry.example.com/web:1', imageDigest: digest('a'), startedAt: '2024-01-01T00:00:00.000Z' },
        { name: 'init', type: 'init', image: 'busybox:1', imageDigest: digest('b') },
      ],
    });
    expect(byUid['pod-job']).toMatchObject({ owner: { kind: 'CronJob', name: 'report' }, containers: [{ terminatedAt: '2024-01-01T00:05:00.000Z' }] });
    // A container still pulling has no digest yet: left out until it has one.
    expect(byUid['pod-pulling']!.containers).toEqual([]);
    const wire = JSON.stringify(platform.batches);
    for (const leaked of ['hunter2', 'DB_PASSWORD', 'secret-in-template', 'secret.example.com', '"labels"', 'annotations']) expect(wire).not.toContain(leaked);
  });

  it('turns creates, changes and deletes into ordered deltas with contiguous sequences', async () => {
    rig = await startRig(tls, () => undefined);
    const { kube, platform } = rig;
    await eventually(() => expect(platform.batches.some((b) => b.kind === 'snapshot')).toBe(true));
    kube.pods.upsert(podFixture({ namespace: 'shop', name: 'a', uid: 'uid-a', containers: [{ name: 'app', image: 'app:1' }] }));
    kube.pods.upsert(podFixture({ namespace: 'shop', name: 'a', uid: 'uid-a', containers: [{ name: 'app', image: 'app:1', digest: digest('1') }] }));
    // A status-only change (same images and digests) is not news for the platform.
    const same = podFixture({ namespace: 'shop', name: 'a', uid: 'uid-a', containers: [{ name: 'app', image: 'app:1', digest: digest('1') }] });
    (same.status as Record<string, unknown>).conditions = [{ type: 'Ready', status: 'True' }];
    kube.pods.upsert(same);
    kube.pods.delete('shop', 'a');
    await eventually(() => expect(platform.batches.flatMap((b) => b.pods).filter((p) => p.uid === 'uid-a').map((p) => `${p.op}:${p.containers.length}`)).toEqual(['upsert:0', 'upsert:1', 'delete:1']));
    expectContiguous(platform);
    expect(platform.podsRunning().has('uid-a')).toBe(false);
  });

  it.each(['error-event', 'http-410'] as const)('relists after 410 Gone (%s) and reports pods deleted while not watching', async (mode) => {
    rig = await startRig(tls, (kube) => {
      kube.pods.upsert(podFixture({ namespace: 'shop', name: 'stays', uid: 'uid-stays', containers: [{ name: 'c', image: 'i:1', digest: digest('d') }] }));
      kube.pods.upsert(podFixture({ namespace: 'shop', name: 'goes', uid: 'uid-goes', containers: [{ name: 'c', image: 'i:1', digest: digest('e') }] }));
    }, {}, { expiredWatchMode: mode });
    const { kube, platform } = rig;
    await eventually(() => expect(platform.podsRunning().size).toBe(2));
    const listsBefore = kube.countRequests((r) => r.path === '/api/v1/pods' && r.query.watch !== 'true');
    // The agent is cut off; meanwhile a pod goes and history is compacted.
    kube.stallWatches();
    kube.pods.delete('shop', 'goes');
    kube.pods.upsert(podFixture({ namespace: 'shop', name: 'new', uid: 'uid-new', containers: [{ name: 'c', image: 'i:2', digest: digest('f') }] }));
    kube.compact();
    // A clean end: client-node resumes from its resourceVersion and meets the 410.
    kube.endWatches();
    await eventually(() => expect([...platform.podsRunning().keys()].sort()).toEqual(['uid-new', 'uid-stays']));
    // Handled as a relist inside the informer, not as an error restart.
    expect(await rig.agent.metrics.registry.getSingleMetricAsString('vigil_agent_watch_restarts_total')).not.toMatch(/reason="error"/);
    expect(platform.batches.flatMap((b) => b.pods).some((p) => p.uid === 'uid-goes' && p.op === 'delete')).toBe(true);
    expect(kube.countRequests((r) => r.path === '/api/v1/pods' && r.query.watch !== 'true')).toBeGreaterThan(listsBefore);
    expectContiguous(platform);
  });

  it('recovers from a dropped watch connection without losing events', async () => {
    rig = await startRig(tls, () => undefined);
    const { kube, platform } = rig;
    await eventually(() => expect(kube.activeWatchCount).toBe(1));
    kube.dropWatches();
    kube.pods.upsert(podFixture({ namespace: 'shop', name: 'after-drop', uid: 'uid-ad', containers: [{ name: 'c', image: 'i:1', digest: digest('7') }] }));
    await eventually(() => expect(platform.podsRunning().has('uid-ad')).toBe(true));
    await eventually(() => expect(kube.activeWatchCount).toBe(1));
    expectContiguous(platform);
  });

  it('restarts a watch that went silent (watchdog)', async () => {
    rig = await startRig(
      tls,
      (kube) => kube.pods.upsert(podFixture({ namespace: 'shop', name: 'doomed', uid: 'uid-doomed', containers: [{ name: 'c', image: 'i:1', digest: digest('8') }] })),
      { VIGIL_WATCH_IDLE_TIMEOUT_MS: '300' },
    );
    const { kube, platform, agent } = rig;
    await eventually(() => expect(kube.activeWatchCount).toBe(1));
    await eventually(() => expect(platform.podsRunning().has('uid-doomed')).toBe(true));
    const watchesBefore = kube.countRequests((r) => r.query.watch === 'true');
    kube.stallWatches();
    kube.pods.upsert(podFixture({ namespace: 'shop', name: 'late', uid: 'uid-late', containers: [{ name: 'c', image: 'i:1', digest: digest('9') }] }));
    // Deleted while the watch was silent: only the restart's relist can notice.
    kube.pods.delete('shop', 'doomed');
    await eventually(() => expect([...platform.podsRunning().keys()]).toEqual(['uid-late']));
    const doomed = platform.batches.flatMap((b) => b.pods).find((p) => p.uid === 'uid-doomed' && p.op === 'delete');
    expect(doomed?.containers).toHaveLength(1);
    expect(kube.countRequests((r) => r.query.watch === 'true')).toBeGreaterThan(watchesBefore);
    expect(await agent.metrics.registry.getSingleMetricAsString('vigil_agent_watch_restarts_total')).toMatch(/reason="idle"\} [1-9]/);
  });

  it('buffers while the platform is down and sends everything in order when it returns', async () => {
    rig = await startRig(tls, () => undefined);
    const { kube, platform, agent } = rig;
    await eventually(() => expect(platform.batches.length).toBeGreaterThan(0));
    await platform.stop();
    for (let i = 0; i < 5; i++) kube.pods.upsert(podFixture({ namespace: 'shop', name: `p${i}`, uid: `uid-p${i}`, containers: [{ name: 'c', image: 'i:1', digest: digest('a') }] }));
    kube.pods.delete('shop', 'p0');
    await eventually(() => expect(agent.health.get('inventory')?.state).toBe('degraded'));
    await platform.start();
    await eventually(() => expect([...platform.podsRunning().keys()].sort()).toEqual(['uid-p1', 'uid-p2', 'uid-p3', 'uid-p4']));
    const ops = platform.batches.flatMap((b) => b.pods).map((p) => `${p.op}:${p.uid}`);
    expect(ops.indexOf('delete:uid-p0')).toBeGreaterThan(ops.indexOf('upsert:uid-p0'));
    expect(platform.batches.filter((b) => b.kind === 'snapshot')).toHaveLength(1);
    expectContiguous(platform);
    await eventually(() => expect(agent.health.get('inventory')?.state).toBe('ok'));
  });

  it('on buffer overflow drops the backlog and sends a snapshot instead', async () => {
    rig = await startRig(tls, () => undefined, { VIGIL_INVENTORY_BUFFER_SIZE: '2' });
    const { kube, platform, agent } = rig;
    await eventually(() => expect(platform.batches.length).toBeGreaterThan(0));
    await platform.stop();
    for (let i = 0; i < 6; i++) kube.pods.upsert(podFixture({ namespace: 'shop', name: `q${i}`, uid: `uid-q${i}`, containers: [{ name: 'c', image: 'i:1', digest: digest('b') }] }));
    await eventually(async () => expect(await agent.metrics.registry.getSingleMetricAsString('vigil_agent_inventory_overflows_total')).toMatch(/total [1-9]/));
    await platform.start();
    await eventually(() => expect(platform.podsRunning().size).toBe(6));
    expect(platform.batches.filter((b) => b.kind === 'snapshot').length).toBeGreaterThanOrEqual(2);
    expectContiguous(platform);
  });

  it('sends a snapshot when the platform reports a gap', async () => {
    rig = await startRig(tls, () => undefined);
    const { kube, platform } = rig;
    await eventually(() => expect(platform.batches.length).toBe(1));
    platform.requestSnapshotOnce = true;
    kube.pods.upsert(podFixture({ namespace: 'shop', name: 'g', uid: 'uid-g', containers: [{ name: 'c', image: 'i:1', digest: digest('c') }] }));
    await eventually(() => expect(platform.batches.filter((b) => b.kind === 'snapshot')).toHaveLength(2));
    const last = platform.batches.filter((b) => b.kind === 'snapshot').at(-1)!;
    expect(last.pods.map((p) => p.uid)).toEqual(['uid-g']);
    expectContiguous(platform);
  });
});
