import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { AgentHandle, startAgent } from '../../apps/agent/src/agent-app';
import { AgentPlatformDouble, FakeKubeApiServer, LeaseRecord, podFixture } from '../../tools/simulated-cluster';
import { PartitionableProxy } from '../support/partitionable-proxy';
import { TlsFiles, agentConfig, eventually, getText, makeTls } from './support/agent-test-harness';

jest.setTimeout(60_000);

const NAMESPACE = 'vigil-system';
const LEASE = 'vigil-agent';
// Short timings so hand-overs happen within a test; the same ratios as the defaults (15 s / 10 s / 2 s).
const LEASE_MS = 2000;
const RENEW_MS = 1200;
const RETRY_MS = 200;
/** A follower retries every RETRY_MS × (1 + up to 0.2); a margin for two attempts and the event loop. */
const SLACK_MS = 3 * RETRY_MS + 300;

const election = {
  VIGIL_LEADER_ELECTION: 'true',
  VIGIL_LEADER_ELECTION_LEASE_DURATION_MS: String(LEASE_MS),
  VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS: String(RENEW_MS),
  VIGIL_LEADER_ELECTION_RETRY_PERIOD_MS: String(RETRY_MS),
  VIGIL_CREDENTIALS_STORE: 'secret',
  VIGIL_CREDENTIALS_WAIT_MS: '2000',
  VIGIL_COMMANDS_ENABLED: 'true',
};

interface Replica {
  id: string;
  agent: AgentHandle;
  proxy: PartitionableProxy;
  /** Every change of role this test saw, with the test's clock (the same clock as the fake's history). */
  roles: Array<{ at: number; role: string }>;
}

const metric = async (r: Replica, tls: TlsFiles, pattern: RegExp): Promise<number> => {
  const text = (await getText(r.agent.port, tls.ca, '/metrics')).text;
  const line = text.split('\n').find((l) => pattern.test(l));
  return line ? Number(line.split(' ').pop()) : 0;
};

/**
 * The safety property, read off the fake API's history: whenever the lease
 * changed hands without a release, the new holder wrote it at least a lease
 * duration after the old holder's last renewal (by then the old one had
 * stopped leading, at its renew deadline).
 */
function expectNoOverlap(history: LeaseRecord[]): void {
  const lease = history.filter((h) => h.name === LEASE);
  const early = lease.flatMap((after, i) => {
    const before = lease[i - 1];
    if (!before?.holderIdentity || after.holderIdentity === before.holderIdentity || after.at - before.at >= LEASE_MS) return [];
    return [{ from: before.holderIdentity, to: after.holderIdentity, gapMs: after.at - before.at }];
  });
  expect(early).toEqual([]);
}

describe('agent leader election over a Lease (two replicas, fake kube API, platform test double)', () => {
  let tls: TlsFiles;
  let kube: FakeKubeApiServer;
  let platform: AgentPlatformDouble;
  let replicas: Replica[];
  let sampler: NodeJS.Timeout | undefined;
  let overlaps: number;

  beforeAll(() => (tls = makeTls()));
  beforeEach(async () => {
    kube = new FakeKubeApiServer({ bookmarkIntervalMs: 500 });
    await kube.start();
    kube.pods.upsert(podFixture({ namespace: 'shop', name: 'web-1', uid: 'pod-web-1', node: 'node-a', containers: [{ name: 'app', image: 'registry.example.com/web:1', digest: `sha256:${'a'.repeat(64)}` }] }));
    platform = new AgentPlatformDouble();
    await platform.start();
    replicas = [];
    overlaps = 0;
  });
  afterEach(async () => {
    clearInterval(sampler);
    sampler = undefined;
    for (const r of replicas) r.proxy.heal();
    await Promise.all(replicas.map((r) => r.agent.stop()));
    await Promise.all(replicas.map((r) => r.proxy.stop()));
    await platform.stop();
    await kube.stop();
  });

  /** Each replica reaches the one fake API through its own proxy, so one can be cut off alone. */
  const start = async (...ids: string[]): Promise<Replica[]> => {
    const started = await Promise.all(
      ids.map(async (id) => {
        const proxy = new PartitionableProxy(Number(new URL(kube.url).port));
        const url = await proxy.start();
        const kc = new KubeConfig();
        kc.loadFromString(JSON.stringify({ ...kube.kubeconfig(), clusters: [{ name: 'fake', cluster: { server: url, 'insecure-skip-tls-verify': true } }] }));
        const agent = await startAgent({ ...agentConfig(platform, tls, election), agentId: id }, { kubeConfig: kc, logger: pino({ level: 'silent' }) });
        return { id, agent, proxy, roles: [{ at: Date.now(), role: agent.role }] };
      }),
    );
    replicas.push(...started);
    await Promise.all(started.map((r) => r.agent.ready));
    // Role changes as seen from outside, every 5 ms: two leaders at one sample would be counted.
    sampler ??= setInterval(() => {
      for (const r of replicas) if (r.roles.at(-1)!.role !== r.agent.role) r.roles.push({ at: Date.now(), role: r.agent.role });
      if (replicas.filter((r) => r.agent.role === 'leader').length > 1) overlaps += 1;
    }, 5);
    return started;
  };
  const leaderOf = () => eventually(() => {
    const leaders = replicas.filter((r) => r.agent.role === 'leader');
    expect(leaders).toHaveLength(1);
    return leaders[0]!;
  }, 'exactly one leader');
  const holder = () => (kube.leases.get(NAMESPACE, LEASE)?.spec as { holderIdentity?: string } | undefined)?.holderIdentity;
  const snapshotFrom = (id: string) =>
    eventually(() => expect(platform.batches.some((b) => b.agentId === id && b.kind === 'snapshot' && b.snapshot?.last && b.pods.some((p) => p.uid === 'pod-web-1'))).toBe(true), `snapshot from ${id}`);
  const becameLeaderAt = (r: Replica) => r.roles.find((x, i) => i > 0 && x.role === 'leader')?.at;

  it('exactly one replica leads; only its inventory and command acks reach the platform; both serve admission and heartbeat', async () => {
    const [a, b] = await start('replica-a', 'replica-b');
    const leader = await leaderOf();
    const follower = leader === a ? b! : a!;
    expect(holder()).toBe(leader.id);
    await snapshotFrom(leader.id);

    kube.pods.upsert(podFixture({ namespace: 'shop', name: 'web-2', uid: 'pod-web-2', node: 'node-b', containers: [{ name: 'app', image: 'registry.example.com/web:2', digest: `sha256:${'b'.repeat(64)}` }] }));
    await eventually(() => expect(platform.batches.some((x) => x.kind === 'delta' && x.pods.some((p) => p.uid === 'pod-web-2'))).toBe(true), 'delta for web-2');
    platform.pendingCommands.push({ id: 'cmd-1', type: 'no-such-command', issuedAt: new Date().toISOString(), params: {} } as never);
    await eventually(() => expect(platform.acks.map((x) => x.id)).toContain('cmd-1'), 'command acked');
    // A few more renewals and polls: still nothing from the follower.
    await new Promise((r) => setTimeout(r, 5 * RETRY_MS));
    expect(new Set(platform.batches.map((x) => x.agentId))).toEqual(new Set([leader.id]));
    expect(platform.acks.map((x) => x.agentId)).toEqual([leader.id]);
    expect(follower.agent.inventory).toBeUndefined();

    // Both beat; only the leader knows the node count.
    await eventually(() => {
      expect(platform.heartbeats.filter((h) => h.agentId === follower.id).length).toBeGreaterThan(0);
      expect(platform.heartbeats.filter((h) => h.agentId === leader.id && h.nodeCount === 2).length).toBeGreaterThan(0);
    }, 'heartbeats from both');
    expect(platform.heartbeats.filter((h) => h.agentId === follower.id).every((h) => h.nodeCount === undefined)).toBe(true);

    for (const [r, role] of [[leader, 'leader'], [follower, 'follower']] as const) {
      const ready = await getText(r.agent.port, tls.ca, '/readyz');
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.text)).toMatchObject({ status: 'ok', role, leader: leader.id, components: { 'leader-election': { state: 'ok', detail: expect.stringMatching(new RegExp(`^${role}`)) } } });
      expect(await metric(r, tls, /^vigil_agent_leader /)).toBe(role === 'leader' ? 1 : 0);
    }
    expect(await metric(leader, tls, /^vigil_agent_leadership_changes_total\{to="leader"\}/)).toBe(1);
    for (const r of [leader, follower]) expect(await metric(r, tls, /^vigil_agent_lease_errors_total/)).toBe(0);
    expect(kube.leaseHistory.filter((h) => h.holderIdentity === follower.id)).toEqual([]);
    expect(platform.rejected).toEqual([]);
    expect(overlaps).toBe(0);
  });

  it('a graceful stop releases the lease and the follower leads at once, starting with a full snapshot', async () => {
    await start('replica-a', 'replica-b');
    const leader = await leaderOf();
    const follower = replicas.find((r) => r !== leader)!;
    await snapshotFrom(leader.id);
    const batchesBefore = platform.batches.length;

    await leader.agent.stop();
    const stoppedAt = Date.now();
    replicas = replicas.filter((r) => r !== leader);
    await leader.proxy.stop();
    const release = kube.leaseHistory.at(-1)!;
    expect(release).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });

    await eventually(() => expect(follower.agent.role).toBe('leader'), 'follower leads');
    expect(Date.now() - stoppedAt).toBeLessThan(LEASE_MS);
    const taken = kube.leaseHistory.find((h) => h.holderIdentity === follower.id)!;
    expect(taken.at - release.at).toBeLessThan(SLACK_MS);
    expect(taken.leaseTransitions).toBe(1);
    await snapshotFrom(follower.id);
    // Nothing more from the stopped leader once it released the lease.
    expect(platform.batches.slice(batchesBefore).filter((x) => x.agentId === leader.id)).toEqual([]);
    expect(overlaps).toBe(0);
  });

  it('a leader cut off from the API (partition, or a crash as the API sees it) steps down at its renew deadline; the follower takes over one lease duration after the last renewal', async () => {
    await start('replica-a', 'replica-b');
    const old = await leaderOf();
    const next = replicas.find((r) => r !== old)!;
    await snapshotFrom(old.id);

    old.proxy.partition();
    const cutAt = Date.now();
    await eventually(() => expect(next.agent.role).toBe('leader'), 'the follower leads', 10_000);
    await eventually(() => expect(becameLeaderAt(next)).toBeDefined(), 'the role sampler saw it'); // roles are sampled on a timer
    const lastRenewal = [...kube.leaseHistory].reverse().find((h) => h.holderIdentity === old.id)!;
    const taken = kube.leaseHistory.find((h) => h.holderIdentity === next.id)!;
    expect(taken.at - lastRenewal.at).toBeGreaterThanOrEqual(LEASE_MS);
    expect(taken.at - lastRenewal.at).toBeLessThan(LEASE_MS + SLACK_MS);

    // The old leader gave up on its own clock, at its renew deadline, before the new one was elected.
    const steppedDown = old.roles.find((x) => x.role === 'follower' && x.at > cutAt)!;
    expect(steppedDown).toBeDefined();
    expect(steppedDown.at - lastRenewal.at).toBeLessThanOrEqual(RENEW_MS + 300); // event-loop lag on a busy machine
    expect(steppedDown.at).toBeLessThan(taken.at);
    expect(old.agent.inventory).toBeUndefined();
    await snapshotFrom(next.id);
    const fromOld = platform.batches.filter((x) => x.agentId === old.id).length;

    // Healed, the old leader sees the new holder and stays a follower; its inventory stays stopped.
    old.proxy.heal();
    await new Promise((r) => setTimeout(r, LEASE_MS + SLACK_MS));
    expect(old.agent.role).toBe('follower');
    expect(next.agent.role).toBe('leader');
    expect(platform.batches.filter((x) => x.agentId === old.id)).toHaveLength(fromOld);
    expect(await metric(old, tls, /^vigil_agent_lease_errors_total\{op="update"\}/)).toBeGreaterThan(0);
    expect(await metric(old, tls, /^vigil_agent_leadership_changes_total\{to="follower"\}/)).toBe(1);
    expectNoOverlap(kube.leaseHistory);
    expect(overlaps).toBe(0);
  });

  it('failing renewals (the apiserver answers 500) make the leader step down before the lease expires; no two leaders at once', async () => {
    await start('replica-a', 'replica-b');
    const old = await leaderOf();
    const next = replicas.find((r) => r !== old)!;
    await snapshotFrom(old.id);

    kube.fault = (r) => (r.method === 'PUT' && r.path.endsWith(`/leases/${LEASE}`) && (r.body?.spec as { holderIdentity?: string })?.holderIdentity === old.id ? { kind: 'status', code: 500, reason: 'InternalError' } : undefined);
    await eventually(() => expect(next.agent.role).toBe('leader'), 'the follower leads', 10_000);
    await eventually(() => expect(becameLeaderAt(next)).toBeDefined(), 'the role sampler saw it'); // roles are sampled on a timer
    const lastRenewal = [...kube.leaseHistory].reverse().find((h) => h.holderIdentity === old.id)!;
    const steppedDown = old.roles.find((x, i) => i > 0 && x.role === 'follower')!;
    const taken = kube.leaseHistory.find((h) => h.holderIdentity === next.id)!;
    expect(steppedDown.at).toBeLessThan(lastRenewal.at + LEASE_MS);
    expect(steppedDown.at).toBeLessThan(taken.at);
    expect(becameLeaderAt(next)! - steppedDown.at).toBeGreaterThan(0);
    expect(await metric(old, tls, /^vigil_agent_lease_errors_total\{op="update"\}/)).toBeGreaterThan(0);
    await snapshotFrom(next.id);
    expectNoOverlap(kube.leaseHistory);
    expect(overlaps).toBe(0);
  });

  it("fences by term: a deposed leader's batch that lands after the new leader's snapshot is refused (409), and the new leader's view stands", async () => {
    await start('replica-a', 'replica-b');
    const old = await leaderOf();
    const next = replicas.find((r) => r !== old)!;
    await snapshotFrom(old.id);
    const oldTerm = platform.batches.find((b) => b.agentId === old.id)!.term!;
    expect(oldTerm).toBe((kube.leases.get(NAMESPACE, LEASE)?.spec as { leaseTransitions?: number }).leaseTransitions ?? 0);

    // The old leader's next batch is held in flight at the platform (a slow hop), for as long as the test says.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held: string[] = [];
    platform.holdInventory = (b) => {
      if (b.agentId !== old.id) return undefined;
      held.push(b.kind);
      return gate;
    };
    const web2 = podFixture({ namespace: 'shop', name: 'web-2', uid: 'pod-web-2', node: 'node-b', containers: [{ name: 'app', image: 'registry.example.com/web:2', digest: `sha256:${'b'.repeat(64)}` }] });
    kube.pods.upsert(web2);
    await eventually(() => expect(held.length).toBeGreaterThan(0), "the old leader's delta for web-2 is in flight");

    // The old leader loses the lease; web-2 ends before the new leader lists the pods.
    old.proxy.partition();
    kube.pods.delete('shop', 'web-2');
    await eventually(() => expect(next.agent.role).toBe('leader'), 'the follower leads', 10_000);
    await snapshotFrom(next.id);
    const nextBatches = platform.batches.filter((b) => b.agentId === next.id);
    expect(nextBatches.every((b) => b.term === oldTerm + 1)).toBe(true);
    expect(nextBatches.at(-1)!.pods.some((p) => p.uid === 'pod-web-2')).toBe(false);

    // Now the old leader's batch (and any retry of it) lands: refused, it changes nothing.
    release();
    await eventually(() => expect(platform.supersededBatches.some((b) => b.agentId === old.id && b.pods.some((p) => p.uid === 'pod-web-2'))).toBe(true), 'the late batch refused');
    await new Promise((r) => setTimeout(r, 2 * RETRY_MS));
    expect(platform.supersededBatches.every((b) => b.agentId === old.id && b.term === oldTerm)).toBe(true);
    expect(platform.batches.filter((b) => b.pods.some((p) => p.uid === 'pod-web-2'))).toEqual([]);
    expect(platform.podsRunning().has('pod-web-2')).toBe(false);
    expect(platform.highestTerm).toBe(oldTerm + 1);
    expect(overlaps).toBe(0);
  });
});
