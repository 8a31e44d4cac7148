import { CoreV1Api } from '@kubernetes/client-node';
import type { AgentHandle } from '../../apps/agent/src/agent-app';
import { CREDENTIAL_SECRET_KEY, SecretCredentialStore } from '../../apps/agent/src/platform-client/secret-credential-store';
import { AgentPlatformDouble, FakeKubeApiServer } from '../../tools/simulated-cluster';
import { TlsFiles, agentConfig, eventually, getText, kubeConfigFor, makeTls, startTestAgent } from './support/agent-test-harness';

jest.setTimeout(30_000);

const NAMESPACE = 'vigil-system';
const SECRET = 'vigil-agent-credential';
const secretStore = { VIGIL_CREDENTIALS_STORE: 'secret', VIGIL_CREDENTIALS_SECRET: SECRET, VIGIL_CREDENTIALS_WAIT_MS: '2000' };

describe('agent credential shared by replicas through a Secret (fake kube API, platform test double)', () => {
  let tls: TlsFiles;
  let kube: FakeKubeApiServer;
  let platform: AgentPlatformDouble;
  const agents: AgentHandle[] = [];

  beforeAll(() => (tls = makeTls()));
  beforeEach(async () => {
    kube = new FakeKubeApiServer();
    await kube.start();
    platform = new AgentPlatformDouble();
    await platform.start();
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await platform.stop();
    await kube.stop();
  });

  const start = async (overrides: Record<string, string> = {}, id?: string) => {
    const config = agentConfig(platform, tls, { ...secretStore, ...overrides });
    const agent = await startTestAgent(id ? { ...config, agentId: id } : config, kube);
    agents.push(agent);
    return agent;
  };
  const storedCredential = () => {
    const secret = kube.secrets.get(NAMESPACE, SECRET);
    return secret ? JSON.parse(Buffer.from((secret.data as Record<string, string>)[CREDENTIAL_SECRET_KEY]!, 'base64').toString()) : undefined;
  };

  it('two replicas starting together with one single-use token: one registers, both run on its credential', async () => {
    const [a, b] = await Promise.all([start({}, 'replica-a'), start({}, 'replica-b')]);
    await Promise.all([a.ready, b.ready]);
    expect(platform.registrations).toHaveLength(1);
    const credential = platform.registrations[0]!;
    expect(storedCredential()).toEqual(credential);
    expect(a.platform.current).toEqual(credential);
    expect(b.platform.current).toEqual(credential);
    for (const id of ['replica-a', 'replica-b']) {
      await eventually(() => expect(platform.heartbeats.some((h) => h.agentId === id && h.keyId === credential.keyId)).toBe(true), `${id} heartbeat`);
    }
    await eventually(async () => expect((await getText(b.port, tls.ca, '/readyz')).status).toBe(200), 'replica-b ready');
    expect(platform.rejected).toEqual([]);
    // The Secret is created once, in the agent's namespace; no replica overwrote it.
    expect(kube.countRequests((r) => r.method === 'POST' && r.path === `/api/v1/namespaces/${NAMESPACE}/secrets`)).toBe(1);
    expect(kube.countRequests((r) => r.method === 'PUT')).toBe(0);
  });

  it('a replica started later reads the Secret and never uses the (spent) token', async () => {
    const first = await start({}, 'first');
    await first.ready;
    const later = await start({}, 'later');
    await later.ready;
    expect(platform.registrations).toHaveLength(1);
    expect(later.platform.current).toEqual(platform.registrations[0]);
    // A replica without a token at all starts too when the Secret holds the credential.
    const tokenless = await startTestAgent({ ...agentConfig(platform, tls, secretStore), VIGIL_REGISTRATION_TOKEN: undefined, agentId: 'tokenless' }, kube);
    agents.push(tokenless);
    await tokenless.ready;
    expect(tokenless.platform.current).toEqual(platform.registrations[0]);
  });

  it('a refused token with no credential appearing keeps the replica unready, naming the Secret', async () => {
    platform.registrations.push(platform.mintCredential()); // the token was spent elsewhere
    const agent = await start({ VIGIL_CREDENTIALS_WAIT_MS: '100' });
    const readyz = await eventually(async () => {
      const r = await getText(agent.port, tls.ca, '/readyz');
      expect(r.text).toContain('no credential appeared');
      return r;
    }, 'readyz names the refusal');
    expect(readyz.status).toBe(503);
    expect(readyz.text).toContain(`secret ${NAMESPACE}/${SECRET}`);
    // When another replica stores the credential after all, this one picks it up and becomes ready.
    const credential = platform.mintCredential();
    kube.secrets.upsert({ metadata: { name: SECRET, namespace: NAMESPACE }, type: 'Opaque', data: { [CREDENTIAL_SECRET_KEY]: Buffer.from(JSON.stringify(credential)).toString('base64') } });
    await agent.ready;
    expect(agent.platform.current).toEqual(credential);
    await eventually(async () => expect((await getText(agent.port, tls.ca, '/readyz')).status).toBe(200), 'ready');
  });

  it('rotation updates the Secret; a replica that missed the command adopts it when the old key is revoked', async () => {
    const a = await start({ VIGIL_COMMAND_POLL_MS: '100' }, 'rotator');
    await a.ready;
    // Replica b polls commands too rarely to see the rotation: it learns it from the Secret.
    const b = await start({ VIGIL_COMMAND_POLL_MS: '3600000' }, 'bystander');
    await b.ready;
    const old = platform.registrations[0]!;
    const next = platform.mintCredential();
    const rvBefore = kube.secrets.get(NAMESPACE, SECRET)!.metadata.resourceVersion;
    platform.pendingCommands.push({ id: 'cmd-rotate', type: 'rotate-credential', issuedAt: new Date().toISOString(), params: next });
    await eventually(() => expect(platform.acks.find((x) => x.id === 'cmd-rotate')?.outcome).toBe('succeeded'), 'rotation acked');
    expect(storedCredential()).toEqual(next);
    expect(kube.secrets.get(NAMESPACE, SECRET)!.metadata.resourceVersion).not.toBe(rvBefore);
    platform.revoke(old.keyId);
    const count = platform.heartbeats.length;
    await eventually(() => expect(platform.heartbeats.slice(count).some((h) => h.agentId === 'bystander' && h.keyId === next.keyId)).toBe(true), 'bystander signs with the new key');
    expect(b.platform.current).toEqual(next);
  });

  it('a rotation that races another writer re-reads the Secret and retries (409 Conflict), never overwriting blindly', async () => {
    const core = kubeConfigFor(kube).makeApiClient(CoreV1Api);
    const store = new SecretCredentialStore({ core, namespace: NAMESPACE, name: SECRET, timeoutMs: 5000 });
    const first = platform.mintCredential();
    expect(await store.storeFirst(first)).toEqual(first);
    const other = platform.mintCredential();
    expect(await store.storeFirst(other)).toEqual(first); // AlreadyExists: the first writer's credential wins

    // Between this store's read and its write, another replica writes (as a real race would).
    const realRead = core.readNamespacedSecret.bind(core);
    let raced = false;
    jest.spyOn(core, 'readNamespacedSecret').mockImplementation(async (param: any) => {
      const read = await realRead(param);
      if (!raced) {
        raced = true;
        kube.secrets.upsert({ ...(kube.secrets.get(NAMESPACE, SECRET) as any), metadata: { name: SECRET, namespace: NAMESPACE } });
      }
      return read;
    });
    const next = platform.mintCredential();
    await store.replace(next);
    expect(storedCredential()).toEqual(next);
    const puts = kube.requests.filter((r) => r.method === 'PUT').length;
    expect(puts).toBe(2); // the first carried a stale resourceVersion and got 409
  });
});
