import { ApiHarness, TEST_ADMIN_TOKEN } from '../support/api-harness';
import { addMember, createTenant, TenantFixture } from '../support/tenant-fixtures';

describe('IAM: orgs, groups, identities, tokens, role bindings, audit', () => {
  let api: ApiHarness;
  let acme: TenantFixture;

  beforeAll(async () => {
    api = await ApiHarness.start();
    acme = await createTenant(api, 'acme');
  });
  afterAll(() => api.stop());

  it('creates an org with a root group (ARCHITECTURE §9 payload)', async () => {
    const res = await api.request('POST', '/v1/orgs', { token: TEST_ADMIN_TOKEN, body: { name: 'globex' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual(expect.objectContaining({ id: expect.any(String), name: 'globex', rootGroupId: expect.any(String) }));
    const root = await api.request('GET', `/v1/groups/${res.body.rootGroupId}`, { token: TEST_ADMIN_TOKEN, headers: { 'vigil-org-id': res.body.id } });
    expect(root.status).toBe(200);
    expect(root.body).toEqual(expect.objectContaining({ id: res.body.rootGroupId, parentId: null }));
  });

  it('refuses org creation by a service identity', async () => {
    const res = await api.request('POST', '/v1/orgs', { token: acme.owner.token, body: { name: 'sneaky' } });
    expect(res.status).toBe(403);
  });

  it('builds a group tree and inherits roles down it', async () => {
    const team = await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name: 'payments' } });
    expect(team.status).toBe(201);
    expect(team.body).toEqual(expect.objectContaining({ id: expect.any(String), parentId: acme.rootGroupId, name: 'payments' }));
    const sub = await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: team.body.id, name: 'prod' } });
    expect(sub.status).toBe(201);
    const sibling = await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name: 'search' } });

    // An owner of "payments" owns "payments/prod" but sees nothing of "search".
    const teamOwner = await addMember(api, {
      orgId: acme.orgId, actingToken: acme.owner.token, homeGroupId: team.body.id, groupId: team.body.id, role: 'owner', name: 'payments-owner',
    });
    const below = await api.request('POST', '/v1/groups', { token: teamOwner.token, body: { parentId: sub.body.id, name: 'eu' } });
    expect(below.status).toBe(201);
    expect((await api.request('GET', `/v1/groups/${sibling.body.id}`, { token: teamOwner.token })).status).toBe(404);
    const listed = await api.request('GET', '/v1/groups', { token: teamOwner.token });
    expect(listed.body.items.map((g: { name: string }) => g.name).sort()).toEqual(['eu', 'payments', 'prod']);

    // Sibling names are unique; a move below itself is refused.
    expect((await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name: 'payments' } })).status).toBe(409);
    const loop = await api.request('PATCH', `/v1/groups/${team.body.id}`, { token: acme.owner.token, body: { parentId: below.body.id } });
    expect(loop.status).toBe(400);
    expect(loop.body.message).toMatch(/^parentId:/);

    // Moving "prod" under "search" moves its subtree: the payments owner loses it.
    const moved = await api.request('PATCH', `/v1/groups/${sub.body.id}`, { token: acme.owner.token, body: { parentId: sibling.body.id } });
    expect(moved.status).toBe(200);
    expect(moved.body.path).toEqual([acme.rootGroupId, sibling.body.id, sub.body.id]);
    const eu = await api.request('GET', `/v1/groups/${below.body.id}`, { token: acme.owner.token });
    expect(eu.body.path).toEqual([acme.rootGroupId, sibling.body.id, sub.body.id, below.body.id]);
    expect((await api.request('GET', `/v1/groups/${below.body.id}`, { token: teamOwner.token })).status).toBe(404);

    // A group with children cannot be deleted; a leaf can.
    expect((await api.request('DELETE', `/v1/groups/${sub.body.id}`, { token: acme.owner.token })).status).toBe(409);
    expect((await api.request('DELETE', `/v1/groups/${below.body.id}`, { token: acme.owner.token })).status).toBe(204);
    expect((await api.request('GET', `/v1/groups/${below.body.id}`, { token: acme.owner.token })).status).toBe(404);
  });

  it('issues tokens once, stores only their hash, and revokes them at once', async () => {
    const identity = await api.request('POST', '/v1/identities', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name: 'ci', kind: 'service' } });
    expect(identity.status).toBe(201);
    await api.request('POST', '/v1/role-bindings', { token: acme.owner.token, body: { identityId: identity.body.id, groupId: acme.rootGroupId, role: 'viewer' } });
    const created = await api.request('POST', `/v1/identities/${identity.body.id}/tokens`, { token: acme.owner.token, body: { name: 'pipeline' } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^vgl_/);
    expect(created.body.id).toEqual(expect.any(String));

    const before = await api.request('GET', `/v1/identities/${identity.body.id}/tokens`, { token: acme.owner.token });
    expect(before.body.items[0]).toEqual(expect.objectContaining({ id: created.body.id, lastUsedAt: null, revokedAt: null }));
    expect(JSON.stringify(before.body)).not.toContain(created.body.token);

    expect((await api.request('GET', '/v1/groups', { token: created.body.token })).status).toBe(200);
    const used = await api.request('GET', `/v1/identities/${identity.body.id}/tokens`, { token: acme.owner.token });
    expect(used.body.items[0].lastUsedAt).not.toBeNull();

    expect((await api.request('DELETE', `/v1/tokens/${created.body.id}`, { token: acme.owner.token })).status).toBe(204);
    expect((await api.request('GET', '/v1/groups', { token: created.body.token })).status).toBe(401);
  });

  it('lets an identity revoke its own token', async () => {
    const member = await addMember(api, { orgId: acme.orgId, actingToken: acme.owner.token, homeGroupId: acme.rootGroupId, groupId: acme.rootGroupId, role: 'viewer', name: 'self-revoker' });
    const mine = await api.request('GET', `/v1/identities/${member.identityId}/tokens`, { token: member.token });
    expect((await api.request('DELETE', `/v1/tokens/${mine.body.items[0].id}`, { token: member.token })).status).toBe(204);
    expect((await api.request('GET', '/v1/groups', { token: member.token })).status).toBe(401);
  });

  it('expires tokens', async () => {
    const member = await addMember(api, { orgId: acme.orgId, actingToken: acme.owner.token, homeGroupId: acme.rootGroupId, groupId: acme.rootGroupId, role: 'viewer', name: 'expiring' });
    const token = await api.request('POST', `/v1/identities/${member.identityId}/tokens`, { token: acme.owner.token, body: { expiresInDays: 1 } });
    expect(token.body.expiresAt).toEqual(expect.any(String));
    expect(new Date(token.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
  });

  it('refuses agent bindings through the IAM API and validates role names', async () => {
    const res = await api.request('POST', '/v1/role-bindings', { token: acme.owner.token, body: { identityId: acme.owner.identityId, groupId: acme.rootGroupId, role: 'agent' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^role:/);
  });

  it('answers malformed bodies with 400 naming the field', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/v1/orgs', { name: 42 }, /name:/],
      ['POST', '/v1/groups', { parentId: 'not-a-uuid', name: 'x' }, /parentId:/],
      ['POST', '/v1/groups', { parentId: acme.rootGroupId }, /name:/],
      ['POST', '/v1/identities', { groupId: acme.rootGroupId, name: 'x', kind: 'robot' }, /kind:/],
      ['POST', '/v1/identities', { groupId: acme.rootGroupId, name: '', kind: 'service' }, /name:/],
      ['POST', `/v1/identities/${acme.owner.identityId}/tokens`, { expiresInDays: -1 }, /expiresInDays:/],
      ['POST', '/v1/role-bindings', { identityId: acme.owner.identityId, role: 'owner' }, /groupId:/],
      ['POST', '/v1/groups', { parentId: acme.rootGroupId, name: 'x', orgId: acme.orgId }, /orgId:/],
    ];
    for (const [method, path, body, field] of cases) {
      const token = path === '/v1/orgs' ? TEST_ADMIN_TOKEN : acme.owner.token;
      const res = await api.request(method, path, { token, body });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(field), errors: expect.any(Array) });
      // The same problems, one by one: the message is their sentence.
      expect(res.body.message).toBe(res.body.errors.map((e: { path: string; message: string }) => `${e.path}: ${e.message}`).join('; '));
      expect(res.body.errors.some((e: { path: string }) => field.test(`${e.path}:`))).toBe(true);
    }
    const notJson = await api.request('POST', '/v1/groups', { token: acme.owner.token, rawBody: '{"parentId":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.message).toMatch(/not valid JSON/);
    const badId = await api.request('GET', '/v1/groups/123', { token: acme.owner.token });
    expect(badId.status).toBe(400);
  });

  it('paginates with limit and cursor', async () => {
    for (let i = 0; i < 5; i++) {
      await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name: `page-${i}` } });
    }
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const res = await api.request('GET', `/v1/groups${query}`, { token: acme.owner.token });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      for (const g of res.body.items) seen.add(g.id);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    const all = await api.request('GET', '/v1/groups?limit=1000', { token: acme.owner.token });
    expect(seen.size).toBe(all.body.items.length);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(seen.size / 2));
    expect((await api.request('GET', '/v1/groups?limit=0', { token: acme.owner.token })).status).toBe(400);
    expect((await api.request('GET', '/v1/groups?limit=1001', { token: acme.owner.token })).status).toBe(400);
  });

  it('records every mutation in the audit log, for owners only', async () => {
    const log = await api.request('GET', '/v1/audit?limit=1000', { token: acme.owner.token });
    expect(log.status).toBe(200);
    const actions = new Set(log.body.items.map((e: { action: string }) => e.action));
    for (const action of ['org.create', 'group.create', 'group.update', 'group.delete', 'identity.create', 'token.create', 'token.revoke', 'role-binding.create']) {
      expect(actions).toContain(action);
    }
    const entry = log.body.items.find((e: { action: string }) => e.action === 'token.create');
    expect(entry).toEqual(expect.objectContaining({ actor: { type: expect.any(String), id: expect.any(String) }, object: { type: 'token', id: expect.any(String) }, at: expect.any(String) }));
    expect(JSON.stringify(log.body)).not.toMatch(/vgl_[A-Za-z0-9_-]{20}/);

    const viewer = await addMember(api, { orgId: acme.orgId, actingToken: acme.owner.token, homeGroupId: acme.rootGroupId, groupId: acme.rootGroupId, role: 'editor', name: 'auditor-wannabe' });
    expect((await api.request('GET', '/v1/audit', { token: viewer.token })).status).toBe(403);
  });

  it('needs the org header for the platform admin on tenant routes', async () => {
    const res = await api.request('GET', '/v1/groups', { token: TEST_ADMIN_TOKEN });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/vigil-org-id/);
    const unknown = await api.request('GET', '/v1/groups', { token: TEST_ADMIN_TOKEN, headers: { 'vigil-org-id': '00000000-0000-4000-8000-000000000000' } });
    expect(unknown.status).toBe(404);
  });
});
