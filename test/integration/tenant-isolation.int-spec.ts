import { ApiHarness, TEST_ADMIN_TOKEN } from '../support/api-harness';
import { addMember, createTenant, Member, TenantFixture } from '../support/tenant-fixtures';

interface OrgObjects {
  tenant: TenantFixture;
  groupId: string;
  identityId: string;
  tokenId: string;
  bindingId: string;
  viewer: Member;
}

async function populate(api: ApiHarness, name: string): Promise<OrgObjects> {
  const tenant = await createTenant(api, name);
  const token = tenant.owner.token;
  const group = await api.request('POST', '/v1/groups', { token, body: { parentId: tenant.rootGroupId, name: 'team' } });
  const identity = await api.request('POST', '/v1/identities', { token, body: { groupId: group.body.id, name: 'bot', kind: 'service' } });
  const issued = await api.request('POST', `/v1/identities/${identity.body.id}/tokens`, { token, body: {} });
  const binding = await api.request('POST', '/v1/role-bindings', { token, body: { identityId: identity.body.id, groupId: group.body.id, role: 'editor' } });
  const viewer = await addMember(api, { orgId: tenant.orgId, actingToken: token, homeGroupId: tenant.rootGroupId, groupId: tenant.rootGroupId, role: 'viewer', name: 'viewer' });
  return { tenant, groupId: group.body.id, identityId: identity.body.id, tokenId: issued.body.id, bindingId: binding.body.id, viewer };
}

/** Every tenant endpoint, aimed at org A's objects. */
function endpointsAgainst(a: OrgObjects, b: OrgObjects) {
  return [
    { method: 'GET', path: `/v1/groups/${a.groupId}` },
    { method: 'GET', path: `/v1/groups/${a.tenant.rootGroupId}` },
    { method: 'PATCH', path: `/v1/groups/${a.groupId}`, body: { name: 'pwned' } },
    { method: 'PATCH', path: `/v1/groups/${b.groupId}`, body: { parentId: a.groupId } },
    { method: 'DELETE', path: `/v1/groups/${a.groupId}` },
    { method: 'POST', path: '/v1/groups', body: { parentId: a.groupId, name: 'intruder' } },
    { method: 'GET', path: `/v1/identities/${a.identityId}` },
    { method: 'POST', path: '/v1/identities', body: { groupId: a.groupId, name: 'intruder', kind: 'service' } },
    { method: 'GET', path: `/v1/identities/${a.identityId}/tokens` },
    { method: 'POST', path: `/v1/identities/${a.identityId}/tokens`, body: {} },
    { method: 'DELETE', path: `/v1/tokens/${a.tokenId}` },
    { method: 'POST', path: '/v1/role-bindings', body: { identityId: a.identityId, groupId: b.groupId, role: 'owner' } },
    { method: 'POST', path: '/v1/role-bindings', body: { identityId: b.identityId, groupId: a.groupId, role: 'owner' } },
    { method: 'DELETE', path: `/v1/role-bindings/${a.bindingId}` },
  ];
}

describe('tenant isolation', () => {
  let api: ApiHarness;
  let a: OrgObjects;
  let b: OrgObjects;

  beforeAll(async () => {
    api = await ApiHarness.start();
    a = await populate(api, 'org-a');
    b = await populate(api, 'org-b');
  });
  afterAll(() => api.stop());

  it("answers 404 to org B's owner for every org-A object, and changes nothing", async () => {
    const auditBefore = await api.request('GET', '/v1/audit?limit=1000', { token: a.tenant.owner.token });
    for (const e of endpointsAgainst(a, b)) {
      const res = await api.request(e.method, e.path, { token: b.tenant.owner.token, body: e.body });
      expect({ ...e, status: res.status }).toEqual({ ...e, status: 404 });
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.any(String) });
    }
    const auditAfter = await api.request('GET', '/v1/audit?limit=1000', { token: a.tenant.owner.token });
    expect(auditAfter.body.items.length).toBe(auditBefore.body.items.length);
    const group = await api.request('GET', `/v1/groups/${a.groupId}`, { token: a.tenant.owner.token });
    expect(group.body.name).toBe('team');
    const tokens = await api.request('GET', `/v1/identities/${a.identityId}/tokens`, { token: a.tenant.owner.token });
    expect(tokens.body.items[0].revokedAt).toBeNull();
  });

  it("gives the same 404 for another org's object as for one that never existed", async () => {
    const missing = await api.request('GET', '/v1/groups/00000000-0000-4000-8000-000000000000', { token: b.tenant.owner.token });
    const foreign = await api.request('GET', `/v1/groups/${a.groupId}`, { token: b.tenant.owner.token });
    expect(foreign.status).toBe(missing.status);
    expect(foreign.body.message.replace(a.groupId, 'ID')).toBe(missing.body.message.replace('00000000-0000-4000-8000-000000000000', 'ID'));
  });

  it("never lists another org's objects", async () => {
    for (const path of ['/v1/groups', '/v1/identities', '/v1/role-bindings', '/v1/audit']) {
      const res = await api.request('GET', `${path}?limit=1000`, { token: b.tenant.owner.token });
      expect(res.status).toBe(200);
      const text = JSON.stringify(res.body);
      for (const id of [a.tenant.orgId, a.tenant.rootGroupId, a.groupId, a.identityId, a.tokenId, a.bindingId]) {
        expect(text).not.toContain(id);
      }
    }
  });

  it('does not let a token choose another org with the org header', async () => {
    const res = await api.request('GET', '/v1/groups', { token: b.tenant.owner.token, headers: { 'vigil-org-id': a.tenant.orgId } });
    expect(res.status).toBe(404);
  });

  it('answers 403 to a viewer on every mutation in its own org', async () => {
    const mutations = [
      { method: 'POST', path: '/v1/groups', body: { parentId: a.tenant.rootGroupId, name: 'nope' } },
      { method: 'PATCH', path: `/v1/groups/${a.groupId}`, body: { name: 'nope' } },
      { method: 'DELETE', path: `/v1/groups/${a.groupId}` },
      { method: 'POST', path: '/v1/identities', body: { groupId: a.groupId, name: 'nope', kind: 'service' } },
      { method: 'POST', path: `/v1/identities/${a.identityId}/tokens`, body: {} },
      { method: 'DELETE', path: `/v1/tokens/${a.tokenId}` },
      { method: 'POST', path: '/v1/role-bindings', body: { identityId: a.viewer.identityId, groupId: a.tenant.rootGroupId, role: 'owner' } },
      { method: 'DELETE', path: `/v1/role-bindings/${a.bindingId}` },
    ];
    for (const m of mutations) {
      const res = await api.request(m.method, m.path, { token: a.viewer.token, body: m.body });
      expect({ ...m, status: res.status }).toEqual({ ...m, status: 403 });
    }
    // …while reading works.
    expect((await api.request('GET', `/v1/groups/${a.groupId}`, { token: a.viewer.token })).status).toBe(200);
    expect((await api.request('GET', `/v1/identities/${a.identityId}`, { token: a.viewer.token })).status).toBe(200);
  });

  it('answers 401 without a credential or with a bad one', async () => {
    const routes = [
      ['GET', '/v1/groups'], ['POST', '/v1/groups'], ['GET', `/v1/groups/${a.groupId}`], ['PATCH', `/v1/groups/${a.groupId}`],
      ['DELETE', `/v1/groups/${a.groupId}`], ['GET', '/v1/identities'], ['POST', '/v1/identities'],
      ['GET', `/v1/identities/${a.identityId}`], ['POST', `/v1/identities/${a.identityId}/tokens`], ['DELETE', `/v1/tokens/${a.tokenId}`],
      ['GET', '/v1/role-bindings'], ['POST', '/v1/role-bindings'], ['DELETE', `/v1/role-bindings/${a.bindingId}`],
      ['GET', '/v1/audit'], ['POST', '/v1/orgs'], ['GET', '/v1/me'],
    ];
    for (const [method, path] of routes) {
      for (const token of [undefined, 'vgl_not-a-real-token', 'garbage', `${TEST_ADMIN_TOKEN}x`]) {
        const res = await api.request(method, path, { token, body: method === 'GET' ? undefined : {} });
        expect({ method, path, token, status: res.status }).toEqual({ method, path, token, status: 401 });
      }
    }
  });
});
