import { readFileSync, statSync } from 'node:fs';
import pino from 'pino';
import { startAgent } from '../../apps/agent/src/agent-app';
import { AgentPlatformDouble, FakeKubeApiServer } from '../../tools/simulated-cluster';
import { agentConfig, eventually, makeTls, startTestAgent, writeKubeconfig } from './support/agent-test-harness';

jest.setTimeout(30_000);

describe('agent platform client (registration, signing, heartbeat, rotation)', () => {
  const tls = makeTls();
  let kube: FakeKubeApiServer;
  let platform: AgentPlatformDouble;

  beforeEach(async () => {
    kube = new FakeKubeApiServer();
    await kube.start();
    platform = new AgentPlatformDouble();
    await platform.start();
  });
  afterEach(async () => {
    await platform.stop();
    await kube.stop();
  });

  it('registers once, keeps the credential 0600 on disk and reuses it after a restart', async () => {
    // Out-of-cluster access through a KUBECONFIG file, as §9 describes.
    const config = agentConfig(platform, tls, { KUBECONFIG: writeKubeconfig(kube, tls.dir) });
    const first = await startAgent(config, { logger: pino({ level: 'silent' }) });
    await first.ready;
    await first.stop();
    expect(statSync(config.VIGIL_CREDENTIALS_FILE).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(readFileSync(config.VIGIL_CREDENTIALS_FILE, 'utf8'));
    expect(saved).toEqual(platform.registrations[0]);

    const second = await startTestAgent({ ...config, agentId: 'restarted-1' }, kube);
    await second.ready;
    await eventually(() => expect(platform.heartbeats.some((h) => h.agentId === 'restarted-1')).toBe(true));
    await second.stop();
    expect(platform.registrations).toHaveLength(1);
    expect(platform.rejected).toEqual([]);
  });

  it('refuses to start without a saved credential or a registration token, naming the variable', async () => {
    const config = { ...agentConfig(platform, tls), VIGIL_REGISTRATION_TOKEN: undefined };
    await expect(startTestAgent(config, kube)).rejects.toThrow(/VIGIL_REGISTRATION_TOKEN/);
  });

  it('sends signed heartbeats the platform verifies', async () => {
    const agent = await startTestAgent(agentConfig(platform, tls), kube);
    try {
      await agent.ready;
      // The node count rides on the heartbeats from the first pod list on.
      const hb = await eventually(() => platform.heartbeats.find((h) => h.nodeCount !== undefined) ?? Promise.reject(new Error('no heartbeat with a node count')));
      expect(hb).toMatchObject({ kubernetesVersion: 'v1.32.0-fake', keyId: platform.registrations[0]!.keyId, nodeCount: 0 });
      expect(platform.rejected).toEqual([]);
    } finally {
      await agent.stop();
    }
  });

  it('rotates its credential on command: saves it, signs with it, survives revocation of the old key', async () => {
    const config = agentConfig(platform, tls);
    const agent = await startTestAgent(config, kube);
    try {
      await agent.ready;
      const old = platform.registrations[0]!;
      const next = platform.mintCredential();
      platform.pendingCommands.push({ id: 'cmd-rotate', type: 'rotate-credential', issuedAt: new Date().toISOString(), params: next });
      await eventually(() => expect(platform.acks.find((a) => a.id === 'cmd-rotate')?.outcome).toBe('succeeded'));
      expect(JSON.parse(readFileSync(config.VIGIL_CREDENTIALS_FILE, 'utf8')).keyId).toBe(next.keyId);
      platform.revoke(old.keyId);
      const count = platform.heartbeats.length;
      await eventually(() => expect(platform.heartbeats.slice(count).some((h) => h.keyId === next.keyId)).toBe(true));
      expect(platform.rejected).toEqual([]);
    } finally {
      await agent.stop();
    }
  });
});
