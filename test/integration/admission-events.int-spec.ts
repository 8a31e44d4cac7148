import { AgentClient } from '../support/agent-client';
import { ApiHarness } from '../support/api-harness';
import { createTenant, TenantFixture } from '../support/tenant-fixtures';

const ADMISSION = 'dev.vigil.admission.v1';

/** Denied and warned admissions become dev.vigil.admission.v1 events; allowed ones do not. */
describe('admission events', () => {
  let api: ApiHarness;
  let acme: TenantFixture;

  beforeAll(async () => {
    api = await ApiHarness.start();
    acme = await createTenant(api, 'acme');
  });
  afterAll(() => api.stop());

  async function agentFor(noMatch: 'allow' | 'warn' | 'deny'): Promise<{ agent: AgentClient; clusterId: string }> {
    const created = await api.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name: `c-${noMatch}`, noMatch } });
    return { agent: await AgentClient.register(api, created.body.registrationToken), clusterId: created.body.id };
  }

  const review = (name: string) => ({
    uid: `uid-${name}`,
    kind: 'Deployment',
    namespace: 'shop',
    name,
    operation: 'CREATE',
    labels: { app: name },
    user: { username: 'alice@example.com', groups: ['devs'] },
    images: [{ container: 'app', type: 'container', ref: 'ghcr.io/acme/unmatched@sha256:' + 'a'.repeat(64) }],
  });

  async function admissionEvents() {
    const res = await api.request('GET', `/v1/events?type=${ADMISSION}&limit=1000`, { token: acme.owner.token });
    return res.body.items as { id: string; subject: string; source: string; data: any }[];
  }

  it('emits one event per denied or warned decision, with the request metadata', async () => {
    const deny = await agentFor('deny');
    const warn = await agentFor('warn');
    const allow = await agentFor('allow');
    const denied = await deny.agent.send('POST', '/v1/agent/admission', review('web'));
    expect(denied.body.allowed).toBe(false);
    const warned = await warn.agent.send('POST', '/v1/agent/admission', review('api'));
    expect(warned.body.allowed).toBe(true);
    expect(warned.body.warnings.length).toBeGreaterThan(0);
    const allowed = await allow.agent.send('POST', '/v1/agent/admission', review('db'));
    expect(allowed.body).toEqual(expect.objectContaining({ allowed: true, warnings: [] }));

    const events = await admissionEvents();
    expect(events.map((e) => e.subject).sort()).toEqual(['shop/Deployment/api', 'shop/Deployment/web']);
    const web = events.find((e) => e.subject === 'shop/Deployment/web')!;
    expect(web.source).toBe(`/orgs/${acme.orgId}/clusters/${deny.clusterId}`);
    expect(web.data).toEqual(
      expect.objectContaining({
        clusterId: deny.clusterId,
        decision: 'denied',
        allowed: false,
        reasons: denied.body.reasons,
        request: expect.objectContaining({ kind: 'Deployment', namespace: 'shop', name: 'web', user: { username: 'alice@example.com', groups: ['devs'] } }),
      }),
    );
    expect(events.find((e) => e.subject === 'shop/Deployment/api')!.data.decision).toBe('warned');
  });
});
