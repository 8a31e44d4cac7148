import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { signRequest } from '../../libs/agent-protocol/src';
import { AgentClient } from '../support/agent-client';
import { ApiHarness } from '../support/api-harness';
import { imagePolicy } from '../support/policy-fixtures';
import { createTenant, TenantFixture } from '../support/tenant-fixtures';
import { until } from '../support/worker-harness';

const ADMISSION = 'dev.vigil.admission.v1';
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const staticPolicy = (action: 'pass' | 'fail') => imagePolicy('gate', [`images: [{glob: "registry.test/apps/**"}]`, 'authorities:', `  - static: {action: ${action}}`].join('\n'));

/**
 * Two API replicas on one database: what one commits (policies, a retired
 * cluster) reaches the other's in-memory caches through Postgres
 * notifications; concurrent admissions share commits but every decision is
 * recorded; the replay guard holds across replicas and within one batch.
 */
describe('admission across API replicas (caches, group commit, replay guard)', () => {
  let a: ApiHarness;
  let b: ApiHarness;
  let db: Client;
  let acme: TenantFixture;

  beforeAll(async () => {
    a = await ApiHarness.start();
    b = await a.replica();
    db = new Client({ connectionString: a.databaseUrl });
    await db.connect();
    acme = await createTenant(a, 'acme');
  });
  afterAll(async () => {
    await db?.end();
    await b?.stop();
    await a?.stop();
  });

  async function newAgent(name: string, noMatch = 'deny'): Promise<{ id: string; onA: AgentClient; onB: AgentClient }> {
    const cluster = await a.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name, noMatch } });
    expect(cluster.status).toBe(201);
    const onA = await AgentClient.register(a, cluster.body.registrationToken);
    return { id: cluster.body.id, onA, onB: new AgentClient(b, onA.credential) };
  }

  const admit = (agent: AgentClient, ref: string, name = 'web') =>
    agent.send('POST', '/v1/agent/admission', { uid: randomUUID(), kind: 'Deployment', namespace: 'shop', name, operation: 'CREATE', labels: {}, images: [{ container: 'app', type: 'container', ref }] });

  /** Notifications cross replicas asynchronously (milliseconds): ask again until the answer changes, within a bound. */
  const eventually = <T>(probe: () => Promise<T>, done: (value: T) => boolean): Promise<T> =>
    until('the other replica to see the change', async () => {
      const value = await probe();
      return done(value) ? value : undefined;
    }, 5_000);

  it('a policy change made on one replica governs admissions on both', async () => {
    const agent = await newAgent('policy-replicas');
    const ref = `registry.test/apps/web@${digest(1)}`;
    // Both replicas cache the cluster's policy state (no policy yet: no-match denies).
    expect((await admit(agent.onA, ref)).body.allowed).toBe(false);
    const before = await admit(agent.onB, ref);
    expect(before.body.allowed).toBe(false);

    const created = await a.request('POST', '/v1/policies', { token: acme.owner.token, body: { groupId: acme.rootGroupId, document: staticPolicy('pass') } });
    expect(created.status).toBe(201);
    // The replica that made the change sees it at once …
    const onA = await admit(agent.onA, ref);
    expect(onA.body.allowed).toBe(true);
    expect(onA.body.policyStateToken).not.toBe(before.body.policyStateToken);
    // … and the other one as soon as the notification lands.
    const onB = await eventually(() => admit(agent.onB, ref), (r) => r.body.allowed === true);
    expect(onB.body).toMatchObject({ allowed: true, policyStateToken: onA.body.policyStateToken });

    // The other way round: a change on B reaches A.
    const updated = await b.request('PUT', `/v1/policies/${created.body.id}`, { token: acme.owner.token, body: { document: staticPolicy('fail') } });
    expect(updated.status).toBe(200);
    expect((await admit(agent.onB, ref)).body.allowed).toBe(false);
    const denied = await eventually(() => admit(agent.onA, ref), (r) => r.body.allowed === false);
    expect(denied.body.allowed).toBe(false);
    expect(denied.body.reasons.join(' ')).toContain('gate');
    expect((await a.request('DELETE', `/v1/policies/${created.body.id}`, { token: acme.owner.token })).status).toBe(204);
  });

  it("a cluster retired on one replica loses its agent's access on both", async () => {
    const agent = await newAgent('retired-replicas');
    expect((await agent.onA.heartbeat()).status).toBe(200);
    expect((await agent.onB.heartbeat()).status).toBe(200); // B now holds the credential in memory
    expect((await a.request('DELETE', `/v1/clusters/${agent.id}`, { token: acme.owner.token })).status).toBe(204);
    expect((await agent.onA.heartbeat()).status).toBe(401);
    expect((await eventually(() => agent.onB.heartbeat(), (r) => r.status === 401)).status).toBe(401);
  });

  it('the caches survive a lost notification connection (it reconnects and starts over)', async () => {
    const agent = await newAgent('reconnect');
    const ref = `registry.test/apps/api@${digest(2)}`;
    expect((await admit(agent.onB, ref)).body.allowed).toBe(false);
    const killed = await db.query(`SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '%-listen'`);
    expect(killed.rows.length).toBeGreaterThanOrEqual(2); // one listening connection per replica
    const created = await a.request('POST', '/v1/policies', { token: acme.owner.token, body: { groupId: acme.rootGroupId, document: staticPolicy('pass') } });
    expect(created.status).toBe(201);
    expect((await eventually(() => admit(agent.onB, ref), (r) => r.body.allowed === true)).body.allowed).toBe(true);
    // Listening again: the next change also arrives.
    await eventually(
      () => db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '%-listen'`),
      (r) => r.rows[0].n >= 2,
    );
    expect((await a.request('DELETE', `/v1/policies/${created.body.id}`, { token: acme.owner.token })).status).toBe(204);
    expect((await eventually(() => admit(agent.onB, ref), (r) => r.body.allowed === false)).body.allowed).toBe(false);
  });

  it('records every one of many concurrent decisions, and publishes an event for each denial', async () => {
    const agent = await newAgent('busy');
    const before = await db.query(`SELECT count(*)::int AS n FROM events WHERE type = $1`, [ADMISSION]);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => admit(i % 2 ? agent.onA : agent.onB, i % 4 === 0 ? `registry.test/apps/x@${digest(100 + i)}` : `registry.test/other/x@${digest(100 + i)}`, `w-${i}`)),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(40).fill(200));
    const { rows } = await db.query(`SELECT name, outcome FROM admission_decisions WHERE cluster_id = $1 ORDER BY name`, [agent.id]);
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.name)).size).toBe(40);
    // No policy matches and no-match is deny: every one is denied, and each denial is one event.
    expect(rows.every((r) => r.outcome === 'denied')).toBe(true);
    const after = await db.query(`SELECT count(*)::int AS n FROM events WHERE type = $1`, [ADMISSION]);
    expect(after.rows[0].n - before.rows[0].n).toBe(40);
  });

  it('accepts a captured request once, whether replayed at the same instant or to the other replica', async () => {
    const agent = await newAgent('replayed');
    const path = '/v1/agent/heartbeat';
    const body = JSON.stringify({ agentId: 'agent-1', agentVersion: '0.1.0', kubernetesVersion: '1.31.2', nodeCount: 3, sentAt: new Date().toISOString() });
    const headers = { ...signRequest({ method: 'POST', path, body, ...agent.onA.credential }), 'content-type': 'application/json' };
    const statuses = await Promise.all([a, a, b, b, a].map((api) => api.request('POST', path, { rawBody: body, headers }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(4);
  });

  it('sends browser security headers on user endpoints, not on the agent endpoints machines call', async () => {
    const agent = await newAgent('headers');
    expect((await a.request('GET', '/v1/me', { token: acme.owner.token })).headers.get('x-content-type-options')).toBe('nosniff');
    const beat = await agent.onA.heartbeat();
    expect(beat.status).toBe(200);
    expect(beat.headers.get('x-content-type-options')).toBeNull();
  });
});
