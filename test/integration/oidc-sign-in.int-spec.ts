import jwt from 'jsonwebtoken';
import { deriveKey } from '../../libs/shared/crypto/src';
import { ApiHarness, TEST_SECRET_KEY } from '../support/api-harness';
import { freePort, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, startOidcProvider } from '../support/oidc-provider-process';

/** Minimal browser: follows redirects by hand and keeps cookies per origin. */
class Browser {
  private readonly jars = new Map<string, Map<string, string>>();

  async get(url: string): Promise<Response> {
    const origin = new URL(url).origin;
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    this.jars.set(origin, jar);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair.indexOf('=');
      jar.set(pair.slice(0, index).trim(), pair.slice(index + 1));
    }
    return response;
  }

  /** Follows redirects until one leaves for `stopAt`; returns that URL. */
  async followUntil(start: string, stopAt: string): Promise<string> {
    let url = start;
    for (let hop = 0; hop < 20; hop++) {
      if (url.startsWith(stopAt)) return url;
      const response = await this.get(url);
      const location = response.headers.get('location');
      if (!location) throw new Error(`no redirect from ${url}: ${response.status} ${await response.text()}`);
      url = new URL(location, url).toString();
    }
    throw new Error('too many redirects');
  }
}

describe('OIDC sign-in against a real provider', () => {
  let api: ApiHarness;
  let provider: { issuer: string; stop: () => Promise<void> };
  let publicUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    publicUrl = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider(`${publicUrl}/v1/auth/oidc/callback`);
    api = await ApiHarness.start(
      {
        VIGIL_PUBLIC_URL: publicUrl,
        VIGIL_OIDC_ISSUER_URL: provider.issuer,
        VIGIL_OIDC_CLIENT_ID: OIDC_CLIENT_ID,
        VIGIL_OIDC_CLIENT_SECRET: OIDC_CLIENT_SECRET,
      },
      port,
    );
  });
  afterAll(async () => {
    await api?.stop();
    await provider?.stop();
  });

  async function signIn(account: string): Promise<{ token: string; body: any }> {
    const browser = new Browser();
    const start = await browser.get(`${publicUrl}/v1/auth/oidc/login`);
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin).toBe(provider.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    authorize.searchParams.set('login_hint', account);
    const callback = await browser.followUntil(authorize.toString(), `${publicUrl}/v1/auth/oidc/callback`);
    const finished = await browser.get(callback);
    const body = (await finished.json()) as any;
    expect(finished.status).toBe(200);
    return { token: body.token, body };
  }

  it('signs a user in and hands out a short-lived session token', async () => {
    const { token, body } = await signIn('alice');
    expect(body).toEqual(
      expect.objectContaining({ tokenType: 'Bearer', expiresAt: expect.any(String), user: expect.objectContaining({ email: 'alice@example.test' }), memberships: [] }),
    );
    const expiresIn = new Date(body.expiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(0);
    expect(expiresIn).toBeLessThanOrEqual(3600_000);
    const me = await api.request('GET', '/v1/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.principal).toEqual(expect.objectContaining({ type: 'user', userId: body.user.id }));
    // Not a member of anything yet: tenant routes say so.
    expect((await api.request('GET', '/v1/groups', { token })).status).toBe(403);
  });

  it('lets a signed-in user create an org and become its owner', async () => {
    const { token, body } = await signIn('bob');
    const org = await api.request('POST', '/v1/orgs', { token, body: { name: 'bobs-org' } });
    expect(org.status).toBe(201);
    const groups = await api.request('GET', '/v1/groups', { token });
    expect(groups.status).toBe(200);
    expect(groups.body.items.map((g: { id: string }) => g.id)).toEqual([org.body.rootGroupId]);
    const team = await api.request('POST', '/v1/groups', { token, body: { parentId: org.body.rootGroupId, name: 'team' } });
    expect(team.status).toBe(201);
    const audit = await api.request('GET', '/v1/audit', { token });
    expect(audit.body.items.find((e: { action: string }) => e.action === 'group.create').actor.type).toBe('identity');

    // A second org: the user must now say which one a request acts in.
    const second = await api.request('POST', '/v1/orgs', { token, body: { name: 'bobs-other-org' } });
    expect(second.status).toBe(201);
    const ambiguous = await api.request('GET', '/v1/groups', { token });
    expect(ambiguous.status).toBe(400);
    const chosen = await api.request('GET', '/v1/groups', { token, headers: { 'vigil-org-id': second.body.id } });
    expect(chosen.body.items.map((g: { id: string }) => g.id)).toEqual([second.body.rootGroupId]);
    expect(body.user.id).toEqual(expect.any(String));
  });

  it('keeps users of different orgs apart', async () => {
    const carol = await signIn('carol');
    const org = await api.request('POST', '/v1/orgs', { token: carol.token, body: { name: 'carols-org' } });
    const dave = await signIn('dave');
    expect((await api.request('GET', `/v1/groups/${org.body.rootGroupId}`, { token: dave.token })).status).toBe(403);
    expect((await api.request('GET', '/v1/groups', { token: dave.token, headers: { 'vigil-org-id': org.body.id } })).status).toBe(404);
  });

  it('refuses a callback without the login state, or with a forged one', async () => {
    const noState = await api.request('GET', '/v1/auth/oidc/callback?code=abc&state=def');
    expect(noState.status).toBe(400);
    const forged = await api.request('GET', '/v1/auth/oidc/callback?code=abc&state=def', { headers: { cookie: 'vigil_oidc_login=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA' } });
    expect(forged.status).toBe(400);
  });

  it('refuses a code that the provider did not issue for this login', async () => {
    const browser = new Browser();
    await browser.get(`${publicUrl}/v1/auth/oidc/login`);
    const response = await browser.get(`${publicUrl}/v1/auth/oidc/callback?code=forged-code&state=wrong-state`);
    expect(response.status).toBe(401);
  });

  it('refuses expired or foreign session tokens', async () => {
    const { body } = await signIn('erin');
    const key = deriveKey(TEST_SECRET_KEY, 'session-jwt').toString('base64');
    const claims = { typ: 'session' };
    const options = { subject: body.user.id, audience: 'vigil-api', issuer: 'vigil', algorithm: 'HS256' as const };
    const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, key, options);
    expect((await api.request('GET', '/v1/me', { token: expired })).status).toBe(401);
    const foreign = jwt.sign(claims, 'some-other-key-some-other-key-000', { ...options, expiresIn: 600 });
    expect((await api.request('GET', '/v1/me', { token: foreign })).status).toBe(401);
    const valid = jwt.sign(claims, key, { ...options, expiresIn: 600 });
    expect((await api.request('GET', '/v1/me', { token: valid })).status).toBe(200);
  });
});
