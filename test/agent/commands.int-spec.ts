import type { AgentHandle } from '../../apps/agent/src/agent-app';
import { AgentPlatformDouble, FakeKubeApiServer, podFixture } from '../../tools/simulated-cluster';
import { agentConfig, eventually, makeTls, startTestAgent } from './support/agent-test-harness';

jest.setTimeout(30_000);

const digest = `sha256:${'e'.repeat(64)}`;

describe('agent command runner', () => {
  const tls = makeTls();
  let kube: FakeKubeApiServer;
  let platform: AgentPlatformDouble;
  let agent: AgentHandle | undefined;

  async function start(enabled: boolean) {
    kube = new FakeKubeApiServer();
    await kube.start();
    kube.replicaSets.upsert({ metadata: { name: 'bad-1', namespace: 'shop', uid: 'rs-bad', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'bad', uid: 'dep-bad', controller: true }] } });
    for (const name of ['bad-1-a', 'bad-1-b']) {
      kube.pods.upsert(podFixture({ namespace: 'shop', name, owner: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'bad-1', uid: 'rs-bad' }, containers: [{ name: 'c', image: 'bad:1', digest }] }));
    }
    kube.pods.upsert(podFixture({ namespace: 'shop', name: 'good', containers: [{ name: 'c', image: 'good:1', digest }] }));
    kube.pods.upsert(podFixture({ namespace: 'kube-system', name: 'dns', containers: [{ name: 'c', image: 'dns:1', digest }] }));
    platform = new AgentPlatformDouble();
    await platform.start();
    agent = await startTestAgent(agentConfig(platform, tls, { VIGIL_COMMANDS_ENABLED: String(enabled) }), kube);
    await agent.ready;
    await eventually(() => expect(agent!.inventory?.isSynced).toBe(true));
  }

  const command = (id: string, type: string, params: unknown): any => ({ id, type, issuedAt: new Date().toISOString(), params });

  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    await platform.stop();
    await kube.stop();
  });

  it('deletes the pods of the named workload and acks with the count', async () => {
    await start(true);
    platform.pendingCommands.push(command('c1', 'delete-pods', { namespace: 'shop', workload: { kind: 'Deployment', name: 'bad' }, reason: 'policy signed-by-team failed' }));
    const ack = await eventually(() => platform.acks.find((a) => a.id === 'c1') ?? Promise.reject(new Error('no ack')));
    expect(ack).toMatchObject({ outcome: 'succeeded', affectedCount: 2 });
    expect(kube.pods.list().map((p) => p.metadata.name).sort()).toEqual(['dns', 'good']);
  });

  it('sends a failed ack again without running the command twice, though the platform listed it only once', async () => {
    await start(true);
    platform.failAcks = 2;
    platform.pendingCommands.push(command('c6', 'delete-pods', { namespace: 'shop', workload: { kind: 'Deployment', name: 'bad' }, reason: 'r' }));
    const ack = await eventually(() => platform.acks.find((a) => a.id === 'c6') ?? Promise.reject(new Error('no ack')), 'the ack of c6', 20_000);
    expect(platform.failAcks).toBe(0);
    expect(ack).toMatchObject({ outcome: 'succeeded', affectedCount: 2 }); // a second run would have found no pods to delete
    expect(platform.acks.filter((a) => a.id === 'c6')).toHaveLength(1);
    expect(platform.commandListings.get('c6')).toBe(1);
  });

  it('rejects deletion when disabled, or in an exempt namespace, and leaves pods alone', async () => {
    await start(false);
    platform.pendingCommands.push(command('c2', 'delete-pods', { namespace: 'shop', workload: { kind: 'Deployment', name: 'bad' }, reason: 'r' }));
    const ack = await eventually(() => platform.acks.find((a) => a.id === 'c2') ?? Promise.reject(new Error('no ack')));
    expect(ack.outcome).toBe('rejected');
    expect(ack.message).toMatch(/VIGIL_COMMANDS_ENABLED/);
    expect(kube.pods.list()).toHaveLength(4);
  });

  it('refuses to delete in an exempt namespace even when enabled', async () => {
    await start(true);
    platform.pendingCommands.push(command('c3', 'delete-pods', { namespace: 'kube-system', workload: { kind: 'Pod', name: 'dns' }, reason: 'r' }));
    const ack = await eventually(() => platform.acks.find((a) => a.id === 'c3') ?? Promise.reject(new Error('no ack')));
    expect(ack.outcome).toBe('rejected');
    expect(kube.pods.get('kube-system', 'dns')).toBeDefined();
  });

  it('acks unknown and expired commands without running them', async () => {
    await start(true);
    platform.pendingCommands.push(command('c4', 'reboot-node', { node: 'n1' }));
    platform.pendingCommands.push({ ...command('c5', 'delete-pods', { namespace: 'shop', workload: { kind: 'Deployment', name: 'bad' }, reason: 'r' }), expiresAt: '2020-01-01T00:00:00Z' });
    await eventually(() => expect(platform.acks.map((a) => `${a.id}:${a.outcome}`).sort()).toEqual(['c4:unsupported', 'c5:expired']));
    expect(kube.pods.list()).toHaveLength(4);
  });
});
