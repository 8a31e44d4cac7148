import { randomUUID } from 'node:crypto';
import { signRequest } from '../../libs/agent-protocol/src';
import { PROTOCOL_LIMITS } from '../../libs/agent-protocol/src/lib/limits';
import { Database } from '../../libs/shared/database/src';
import { AgentClient } from '../support/agent-client';
import { ApiHarness, HttpResult } from '../support/api-harness';
import { imagePolicy } from '../support/policy-fixtures';
import { createTenant, TenantFixture } from '../support/tenant-fixtures';

const PATH = '/v1/agent/admission';
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const admissionOf = (ref: string, extra: Record<string, unknown> = {}) => ({
  uid: randomUUID(),
  kind: 'Deployment',
  namespace: 'shop',
  name: 'web',
  operation: 'CREATE',
  labels: {},
  images: [{ container: 'app', type: 'container', ref }],
  ...extra,
});

/**
 * POST /v1/agent/admission is served by a fast lane before the framework.
 * Two replicas on one database, one with the lane and one without: every
 * request (good, refused, malformed, odd transport) gets the same status and
 * body from both, and the lane's counter shows which requests it served.
 */
describe('admission fast lane answers exactly as the full stack does', () => {
  let lane: ApiHarness;
  let stack: ApiHarness;
  let acme: TenantFixture;
  let credential: AgentClient['credential'];

  beforeAll(async () => {
    lane = await ApiHarness.start();
    stack = await lane.replica({ admissionFastLane: false });
    acme = await createTenant(lane, 'acme');
    const gate = imagePolicy('gate', ['images: [{glob: "registry.test/apps/**"}]', 'authorities:', '  - static: {action: fail}'].join('\n'));
    const open = imagePolicy('open', ['images: [{glob: "registry.test/open/**"}]', 'authorities:', '  - static: {action: pass}'].join('\n'));
    for (const policy of [gate, open]) {
      expect((await lane.request('POST', '/v1/policies', { token: acme.owner.token, body: { groupId: acme.rootGroupId, document: policy } })).status).toBe(201);
    }
    const cluster = await lane.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name: 'lane', noMatch: 'warn' } });
    expect(cluster.status).toBe(201);
    credential = (await AgentClient.register(lane, cluster.body.registrationToken)).credential;
  });
  afterAll(async () => {
    await stack?.stop();
    await lane?.stop();
  });

  /** Signs `body` (any bytes) freshly for each replica, lets `adjust` play the odd client, and sends it to both. */
  async function toBoth(body: string, adjust: (r: { path: string; headers: Record<string, string>; body: string }) => void = () => undefined) {
    const send = (api: ApiHarness) => {
      const request = { path: PATH, body, headers: { ...signRequest({ method: 'POST', path: PATH, body, ...credential }), 'content-type': 'application/json' } };
      adjust(request);
      return api.request('POST', request.path, { rawBody: request.body, headers: request.headers });
    };
    return { viaLane: await send(lane), viaStack: await send(stack) };
  }

  function expectSameAnswer({ viaLane, viaStack }: { viaLane: HttpResult; viaStack: HttpResult }, status: number): void {
    expect({ status: viaLane.status, body: viaLane.body }).toEqual({ status: viaStack.status, body: viaStack.body });
    expect(viaLane.status).toBe(status);
    expect(viaLane.headers.get('content-type')).toBe(viaStack.headers.get('content-type'));
    expect(viaLane.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  }

  async function laneCounts(): Promise<{ served: number; passed: number }> {
    const text = String((await lane.request('GET', '/metrics')).body);
    const count = (path: string) => Number(new RegExp(`vigil_admission_fast_lane_requests_total\\{path="${path}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    return { served: count('served'), passed: count('passed') };
  }

  it('decides, denies and warns with the same answer and records each decision', async () => {
    const before = await laneCounts();
    const denied = await toBoth(JSON.stringify(admissionOf(`registry.test/apps/web@${digest(1)}`, { uid: 'same-uid' })));
    expectSameAnswer(denied, 200);
    expect(denied.viaLane.body).toMatchObject({ allowed: false });
    expect(denied.viaLane.body.reasons.join(' ')).toContain('gate');
    const warned = await toBoth(JSON.stringify(admissionOf(`elsewhere.test/tools/cli@${digest(2)}`, { uid: 'same-uid-2' })));
    expectSameAnswer(warned, 200);
    expect(warned.viaLane.body).toMatchObject({ allowed: true });
    expect(warned.viaLane.body.warnings.length).toBeGreaterThan(0);
    expect(await laneCounts()).toEqual({ served: before.served + 2, passed: before.passed });
  });

  it('refuses bad signatures, replays and malformed bodies in the same words', async () => {
    const good = JSON.stringify(admissionOf(`registry.test/apps/web@${digest(3)}`));
    expectSameAnswer(await toBoth(good, (r) => (r.body = good.replace('"shop"', '"prod"'))), 401);
    expectSameAnswer(await toBoth(good, (r) => (r.headers['vigil-key-id'] = 'no-such-key')), 401);
    expectSameAnswer(await toBoth('{"uid": "x", "images": ['), 400);
    expectSameAnswer(await toBoth('"just a string"'), 400);
    expectSameAnswer(await toBoth('null'), 400);
    expectSameAnswer(await toBoth(JSON.stringify({ uid: 'x', images: 'nginx' })), 400);
    const invalid = await toBoth(JSON.stringify(admissionOf('', { operation: 'EXPLODE' })));
    expectSameAnswer(invalid, 400);
    expect(invalid.viaLane.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['images[0].ref', 'operation']);

    // A captured request replayed: the second copy is refused by both paths.
    for (const api of [lane, stack]) {
      const [first, second] = await new AgentClient(api, credential).sendTwice('POST', PATH, admissionOf(`registry.test/apps/web@${digest(4)}`));
      expect([first.status, second.status]).toEqual([200, 401]);
    }
  });

  it('records a replayed request nothing: not sent after the original, nor at once with it', async () => {
    // Denied (its event in the decision's transaction) and allowed (the decision alone, one statement).
    for (const ref of [`registry.test/apps/web@${digest(5)}`, `registry.test/open/web@${digest(5)}`]) {
      for (const api of [lane, stack]) {
        const after = admissionOf(ref);
        const [first, second] = await new AgentClient(api, credential).sendTwice('POST', PATH, after);
        expect([first.status, second.status]).toEqual([200, 401]);
        expect(second.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'agent request signature is not valid' });

        const atOnce = admissionOf(ref);
        const body = JSON.stringify(atOnce);
        const headers = { ...signRequest({ method: 'POST', path: PATH, body, ...credential }), 'content-type': 'application/json' };
        const copies = await Promise.all([1, 2, 3].map(() => api.request('POST', PATH, { rawBody: body, headers })));
        expect(copies.map((c) => c.status).sort()).toEqual([200, 401, 401]);

        for (const uid of [after.uid, atOnce.uid]) expect(await recorded(uid)).toEqual(ref.includes('/apps/') ? { decisions: 1, events: 1 } : { decisions: 1, events: 0 });
      }
    }
  });

  /** Decisions recorded for an admission request, and the events they emitted (an event's id is its decision's). */
  async function recorded(requestUid: string): Promise<{ decisions: number; events: number }> {
    const [row] = await lane.get(Database).forOrg(acme.orgId, (m) =>
      m.query(
        `SELECT count(*)::int AS decisions, (SELECT count(*)::int FROM events e WHERE e.id IN (SELECT id FROM admission_decisions WHERE request_uid = $1)) AS events
           FROM admission_decisions WHERE request_uid = $1`,
        [requestUid],
      ),
    );
    return row;
  }

  it('passes what is not the plain case to the full stack, which answers it as before', async () => {
    const before = await laneCounts();
    const body = JSON.stringify(admissionOf(`registry.test/apps/web@${digest(5)}`));
    // Another media type: the JSON parser does not read it, so the signature (over the bytes) fails.
    expectSameAnswer(await toBoth(body, (r) => (r.headers['content-type'] = 'text/plain')), 401);
    // A body over the protocol limit (trailing JSON whitespace): the lane leaves it to the stack's 413.
    const oversized = body + ' '.repeat(PROTOCOL_LIMITS.maxBodyBytes + 1 - body.length);
    const tooLarge = [await lane.request('POST', PATH, { rawBody: oversized, headers: { 'content-type': 'application/json' } }), await stack.request('POST', PATH, { rawBody: oversized, headers: { 'content-type': 'application/json' } })];
    expect(tooLarge.map((r) => r.status)).toEqual([413, 413]);
    expect(tooLarge[0].body).toEqual(tooLarge[1].body);
    expect(tooLarge[0].body).toMatchObject({ statusCode: 413, message: 'request body is too large' });
    // A query string is another URL: signed for it, both route it to the same handler.
    expectSameAnswer(
      await toBoth(body, (r) => {
        r.path = `${PATH}?trace=1`;
        Object.assign(r.headers, signRequest({ method: 'POST', path: r.path, body, ...credential }));
      }),
      200,
    );
    const after = await laneCounts();
    expect(after.served).toBe(before.served);
    expect(after.passed).toBe(before.passed + 2);
  });
});
