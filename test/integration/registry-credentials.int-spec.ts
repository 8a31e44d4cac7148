import { RegistryClient, staticCredentials } from '../../libs/oci/src';
import { AgentClient } from '../support/agent-client';
import { ApiHarness } from '../support/api-harness';
import {
  buildImage,
  pushCosignManifest,
  pushImage,
  signatureLayer,
  signBytes,
  simpleSigningPayload,
  startRegistry,
  startTokenServer,
  type RunningRegistry,
  type RunningTokenServer,
} from '../support/oci-registry';
import { ecKey, imagePolicy, signedSpec } from '../support/policy-fixtures';
import { addMember, createTenant, TenantFixture } from '../support/tenant-fixtures';

/** A private registry (real docker-registry behind token auth): only a stored login lets Vigil read it. */
describe('per-org registry credentials', () => {
  const release = ecKey();
  let tokens: RunningTokenServer;
  let registry: RunningRegistry;
  let api: ApiHarness;
  let acme: TenantFixture;
  let other: TenantFixture;
  let agent: AgentClient;
  let image: { ref: string; digest: string };

  beforeAll(async () => {
    tokens = await startTokenServer({ robot: 'robot-password' });
    registry = await startRegistry({ tokenAuth: tokens });
    const tokenHost = new URL(tokens.realm).host; // the token service is plain HTTP on loopback too
    const pusher = new RegistryClient({
      insecureRegistries: [registry.host, tokenHost],
      allowPrivateTargets: true,
      credentials: staticCredentials({ [registry.host]: { username: 'robot', password: 'robot-password' } }),
    });
    const location = { registry: registry.host, repository: 'private/app' };
    const digest = await pushImage(pusher, location, '1.0', await buildImage('private/app'));
    const payload = simpleSigningPayload(`${registry.host}/private/app`, digest, null);
    await pushCosignManifest(pusher, location, digest, 'sig', [signatureLayer(payload, signBytes(release.privateKey, payload))]);
    await pusher.close();
    image = { ref: `${registry.host}/private/app@${digest}`, digest };

    api = await ApiHarness.start({ VIGIL_INSECURE_REGISTRIES: `${registry.host},${tokenHost}`, VIGIL_ALLOW_PRIVATE_TARGETS: 'true' });
    acme = await createTenant(api, 'acme');
    other = await createTenant(api, 'other');
    const cluster = await api.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name: 'prod', noMatch: 'deny' } });
    agent = await AgentClient.register(api, cluster.body.registrationToken);
    const policy = await api.request('POST', '/v1/policies', {
      token: acme.owner.token,
      body: { groupId: acme.rootGroupId, document: imagePolicy('signed-private', signedSpec(`${registry.host}/private/**`, release)) },
    });
    expect(policy.status).toBe(201);
  });
  afterAll(async () => {
    await api?.stop();
    await registry?.stop();
    await tokens?.stop();
  });

  const admit = () =>
    agent.send('POST', '/v1/agent/admission', {
      uid: `uid-${Math.random()}`,
      kind: 'Pod',
      namespace: 'shop',
      name: 'app',
      operation: 'CREATE',
      labels: {},
      images: [{ container: 'app', type: 'container', ref: image.ref }],
    });

  it('cannot verify a private image without a login, and says why', async () => {
    const res = await admit();
    expect(res.status).toBe(200);
    expect(res.body.allowed).toBe(false);
    expect(res.body.reasons.join(' ')).toMatch(/unauthori[sz]ed|denied|401|credential/i);
  });

  it('stores a login encrypted, shows it without its secret, and uses it', async () => {
    const viewer = await addMember(api, { orgId: acme.orgId, actingToken: acme.owner.token, homeGroupId: acme.rootGroupId, groupId: acme.rootGroupId, role: 'editor', name: 'editor' });
    const body = { registry: registry.host, username: 'robot', password: 'robot-password' };
    expect((await api.request('POST', '/v1/registry-credentials', { token: viewer.token, body })).status).toBe(403);
    const bad = await api.request('POST', '/v1/registry-credentials', { token: acme.owner.token, body: { ...body, registry: 'https://x/y' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^registry:/);

    const set = await api.request('POST', '/v1/registry-credentials', { token: acme.owner.token, body });
    expect(set.status).toBe(201);
    expect(set.body).toEqual(expect.objectContaining({ id: expect.any(String), registry: registry.host, username: 'robot' }));
    const listed = await api.request('GET', '/v1/registry-credentials', { token: viewer.token });
    expect(listed.body.items.map((c: { registry: string }) => c.registry)).toEqual([registry.host]);
    expect(JSON.stringify(listed.body)).not.toContain('robot-password');
    const audit = await api.request('GET', '/v1/audit?limit=1000', { token: acme.owner.token });
    expect(JSON.stringify(audit.body)).not.toContain('robot-password');

    const res = await admit();
    expect(res.body).toEqual(expect.objectContaining({ allowed: true }));
    expect(tokens.requests.some((r) => r.user === 'robot' && r.status === 200)).toBe(true);
  });

  it("keeps one org's login from every other org", async () => {
    const theirs = await api.request('GET', '/v1/registry-credentials', { token: other.owner.token });
    expect(theirs.body.items).toEqual([]);
    const ours = await api.request('GET', '/v1/registry-credentials', { token: acme.owner.token });
    expect((await api.request('DELETE', `/v1/registry-credentials/${ours.body.items[0].id}`, { token: other.owner.token })).status).toBe(404);
    expect((await api.request('GET', '/v1/registry-credentials')).status).toBe(401);
  });

  it('stops using a login once it is deleted', async () => {
    const ours = await api.request('GET', '/v1/registry-credentials', { token: acme.owner.token });
    expect((await api.request('DELETE', `/v1/registry-credentials/${ours.body.items[0].id}`, { token: acme.owner.token })).status).toBe(204);
    expect((await api.request('GET', '/v1/registry-credentials', { token: acme.owner.token })).body.items).toEqual([]);
  });
});
