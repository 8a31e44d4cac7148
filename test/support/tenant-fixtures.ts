import { ApiHarness, TEST_ADMIN_TOKEN } from './api-harness';

export interface Member {
  identityId: string;
  token: string;
}

export interface TenantFixture {
  orgId: string;
  rootGroupId: string;
  owner: Member;
}

function expectStatus(result: { status: number; body: unknown }, status: number, what: string): void {
  if (result.status !== status) throw new Error(`${what}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`);
}

/** An org made by the platform admin, with a service identity that owns its root group. */
export async function createTenant(api: ApiHarness, name: string): Promise<TenantFixture> {
  const org = await api.request('POST', '/v1/orgs', { token: TEST_ADMIN_TOKEN, body: { name } });
  expectStatus(org, 201, 'create org');
  const owner = await addMember(api, { orgId: org.body.id, actingToken: TEST_ADMIN_TOKEN, homeGroupId: org.body.rootGroupId, groupId: org.body.rootGroupId, role: 'owner', name: `${name}-owner` });
  return { orgId: org.body.id, rootGroupId: org.body.rootGroupId, owner };
}

/** A service identity with one role binding and a fresh token. */
export async function addMember(
  api: ApiHarness,
  options: { orgId: string; actingToken: string; homeGroupId: string; groupId: string; role: string; name: string },
): Promise<Member> {
  const headers = { 'vigil-org-id': options.orgId };
  const identity = await api.request('POST', '/v1/identities', {
    token: options.actingToken,
    headers,
    body: { groupId: options.homeGroupId, name: options.name, kind: 'service' },
  });
  expectStatus(identity, 201, 'create identity');
  const binding = await api.request('POST', '/v1/role-bindings', {
    token: options.actingToken,
    headers,
    body: { identityId: identity.body.id, groupId: options.groupId, role: options.role },
  });
  expectStatus(binding, 201, 'create role binding');
  const token = await api.request('POST', `/v1/identities/${identity.body.id}/tokens`, { token: options.actingToken, headers, body: {} });
  expectStatus(token, 201, 'create token');
  return { identityId: identity.body.id, token: token.body.token };
}
