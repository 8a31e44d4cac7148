import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AgentCommandQueue } from '../../libs/clusters/src';
import { AgentClient } from '../support/agent-client';
import { imagePolicy } from '../support/policy-fixtures';
import { ApiHarness } from '../support/api-harness';
import { addMember, createTenant, Member, TenantFixture } from '../support/tenant-fixtures';

describe('clusters, registration and agent request signing', () => {
  let api: ApiHarness;
  let acme: TenantFixture;
  let other: TenantFixture;
  let viewer: Member;

  beforeAll(async () => {
    api = await ApiHarness.start();
    acme = await createTenant(api, 'acme');
    other = await createTenant(api, 'other');
    viewer = await addMember(api, { orgId: acme.orgId, actingToken: acme.owner.token, homeGroupId: acme.rootGroupId, groupId: acme.rootGroupId, role: 'viewer', name: 'viewer' });
  });
  afterAll(() => api.stop());

  async function newCluster(tenant: TenantFixture, name: string) {
    const res = await api.request('POST', '/v1/clusters', { token: tenant.owner.token, body: { groupId: tenant.rootGroupId, name } });
    expect(res.status).toBe(201);
    return res.body as { id: string; registrationToken: string };
  }

  it('creates a cluster with a one-time registration token (editor only)', async () => {
    const created = await newCluster(acme, 'prod-1');
    expect(created).toEqual(expect.objectContaining({ id: expect.any(String), registrationToken: expect.stringMatching(/^vgr_/), noMatch: 'warn', health: 'pending' }));
    expect((await api.request('POST', '/v1/clusters', { token: viewer.token, body: { groupId: acme.rootGroupId, name: 'x' } })).status).toBe(403);
    const bad = await api.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name: 'has space', noMatch: 'maybe' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/name:/);
    expect(bad.body.message).toMatch(/noMatch:/);
    expect((await api.request('GET', `/v1/clusters/${created.id}`, { token: other.owner.token })).status).toBe(404);
    expect((await api.request('DELETE', `/v1/clusters/${created.id}`, { token: other.owner.token })).status).toBe(404);
    const audit = await api.request('GET', '/v1/audit', { token: acme.owner.token });
    expect(JSON.stringify(audit.body)).not.toContain(created.registrationToken);
  });

  it('exchanges a registration token exactly once, and never after it expires', async () => {
    const cluster = await newCluster(acme, 'once');
    const agent = await AgentClient.register(api, cluster.registrationToken);
    expect(agent.credential).toEqual({ clusterId: cluster.id, keyId: expect.stringMatching(/^vk_/), secret: expect.any(String) });
    const again = await api.request('POST', '/v1/agent/register', { body: { registrationToken: cluster.registrationToken } });
    expect(again.status).toBe(401);

    const expiring = await newCluster(acme, 'expiring');
    const db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    await db.query(`UPDATE cluster_registration_tokens SET expires_at = now() - interval '1 second' WHERE cluster_id = $1`, [expiring.id]);
    await db.end();
    expect((await api.request('POST', '/v1/agent/register', { body: { registrationToken: expiring.registrationToken } })).status).toBe(401);
    expect((await api.request('POST', '/v1/agent/register', { body: { registrationToken: 'vgr_made-up-token-value-000' } })).status).toBe(401);
    expect((await api.request('POST', '/v1/agent/register', { body: { token: 'x' } })).status).toBe(400);
  });

  it('records heartbeats: health, versions, node count', async () => {
    const cluster = await newCluster(acme, 'beating');
    const agent = await AgentClient.register(api, cluster.registrationToken);
    const beat = await agent.heartbeat();
    expect(beat.status).toBe(200);
    expect(beat.body).toEqual(expect.objectContaining({ serverTime: expect.any(String), policyStateToken: expect.any(String), nextHeartbeatSeconds: expect.any(Number), commandsPending: false }));
    const shown = await api.request('GET', `/v1/clusters/${cluster.id}`, { token: viewer.token });
    expect(shown.body).toEqual(
      expect.objectContaining({ health: 'healthy', kubernetesVersion: '1.31.2', agentVersion: '0.1.0', nodeCount: 3, lastHeartbeatAt: expect.any(String), usage: { runningPods: 0, runningContainers: 0, runningImages: 0 } }),
    );
    // A follower replica (no pod inventory, so no node count) keeps the leader's count.
    const follower = await agent.send('POST', '/v1/agent/heartbeat', { agentId: 'agent-2', agentVersion: '0.1.1', kubernetesVersion: '1.31.2', sentAt: new Date().toISOString() });
    expect(follower.status).toBe(200);
    expect((await api.request('GET', `/v1/clusters/${cluster.id}`, { token: viewer.token })).body).toEqual(expect.objectContaining({ agentVersion: '0.1.1', nodeCount: 3 }));
  });

  describe('rejects every attack on request signing', () => {
    let agent: AgentClient;
    let foreign: AgentClient;

    beforeAll(async () => {
      agent = await AgentClient.register(api, (await newCluster(acme, 'target')).registrationToken);
      foreign = await AgentClient.register(api, (await newCluster(other, 'foreign')).registrationToken);
    });

    it('accepts the honest request (control)', async () => {
      expect((await agent.heartbeat()).status).toBe(200);
    });

    it('refuses a tampered body', async () => {
      const res = await agent.send('POST', '/v1/agent/heartbeat', { agentId: 'a', agentVersion: '1', kubernetesVersion: '1.30.0', nodeCount: 1, sentAt: new Date().toISOString() }, {
        tamper: (r) => (r.body = r.body.replace('"nodeCount":1', '"nodeCount":9')),
      });
      expect(res.status).toBe(401);
    });

    it('refuses a bad signature', async () => {
      const res = await agent.send('GET', '/v1/agent/commands', undefined, { tamper: (r) => (r.headers['Vigil-Signature'] = `v1=${'0'.repeat(64)}`) });
      expect(res.status).toBe(401);
    });

    it('refuses a timestamp outside the window, either way', async () => {
      expect((await agent.send('GET', '/v1/agent/commands', undefined, { now: new Date(Date.now() - 10 * 60_000) })).status).toBe(401);
      expect((await agent.send('GET', '/v1/agent/commands', undefined, { now: new Date(Date.now() + 10 * 60_000) })).status).toBe(401);
    });

    it('refuses a replayed request', async () => {
      const [first, second] = await agent.sendTwice('POST', '/v1/agent/heartbeat', { agentId: 'a', agentVersion: '1', kubernetesVersion: '1.30.0', nodeCount: 1, sentAt: new Date().toISOString() });
      expect(first.status).toBe(200);
      expect(second.status).toBe(401);
    });

    it("refuses a credential naming another cluster, and one cluster's request replayed as another's", async () => {
      expect((await agent.send('GET', '/v1/agent/commands', undefined, { clusterIdHeader: foreign.credential.clusterId })).status).toBe(401);
      const stolen = { ...foreign.credential, clusterId: agent.credential.clusterId };
      expect((await agent.send('GET', '/v1/agent/commands', undefined, { credential: stolen })).status).toBe(401);
    });

    it('refuses a signed request moved to another path or method', async () => {
      const moved = await agent.send('GET', '/v1/agent/commands', undefined, { deliverTo: { method: 'GET', path: '/v1/agent/commands?limit=1' } });
      expect(moved.status).toBe(401);
      const otherMethod = await agent.send('GET', '/v1/agent/commands', undefined, { deliverTo: { method: 'POST', path: '/v1/agent/heartbeat' } });
      expect(otherMethod.status).toBe(401);
    });

    it('never lets an agent credential reach user endpoints', async () => {
      for (const path of ['/v1/groups', '/v1/clusters', '/v1/inventory/containers', '/v1/audit']) {
        expect((await agent.send('GET', path)).status).toBe(401);
        expect((await api.request('GET', path, { token: agent.credential.secret })).status).toBe(401);
      }
    });

    it('refuses an unsigned request', async () => {
      expect((await api.request('GET', '/v1/agent/commands')).status).toBe(401);
      expect((await api.request('POST', '/v1/agent/inventory', { body: {} })).status).toBe(401);
    });
  });

  it('rotates credentials with two valid at once, delivered over the command channel', async () => {
    const cluster = await newCluster(acme, 'rotating');
    const agent = await AgentClient.register(api, cluster.registrationToken);
    const oldCredential = agent.credential;
    const rotated = await api.request('POST', `/v1/clusters/${cluster.id}/credentials/rotate`, { token: acme.owner.token });
    expect(rotated.status).toBe(201);
    expect((await agent.heartbeat()).body.commandsPending).toBe(true);
    const listed = await agent.send('GET', '/v1/agent/commands');
    const command = listed.body.commands.find((c: { type: string }) => c.type === 'rotate-credential');
    expect(command.params).toEqual({ clusterId: cluster.id, keyId: rotated.body.keyId, secret: expect.any(String) });
    agent.credential = command.params;
    expect((await agent.heartbeat()).status).toBe(200);
    // The old key still works during the overlap …
    expect((await agent.send('GET', '/v1/agent/commands', undefined, { credential: oldCredential })).status).toBe(200);
    const ack = await agent.send('POST', `/v1/agent/commands/${command.id}/ack`, { agentId: 'agent-1', outcome: 'succeeded', completedAt: new Date().toISOString() });
    expect(ack.body).toEqual({ id: command.id, outcome: 'succeeded' });
    // … and once the agent confirms, it ends within minutes.
    const keys = await api.request('GET', `/v1/clusters/${cluster.id}/credentials`, { token: acme.owner.token });
    const old = keys.body.items.find((k: { keyId: string }) => k.keyId === oldCredential.keyId);
    expect(new Date(old.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(5 * 60_000 + 1000);
    expect(keys.body.items.find((k: { keyId: string }) => k.keyId === rotated.body.keyId).expiresAt).toBeNull();
    expect(JSON.stringify(keys.body)).not.toContain(command.params.secret);
  });

  it('gives a command to one poller at a time, and again only when its claim ran out unacknowledged', async () => {
    const cluster = await newCluster(acme, 'two-replicas');
    const first = await AgentClient.register(api, cluster.registrationToken);
    const second = new AgentClient(api, first.credential); // a second replica shares the credential
    const queued = [1, 2, 3].map(() => randomUUID());
    for (const id of queued) {
      await api.get(AgentCommandQueue).queueDeletePods(acme.orgId, cluster.id, id, { namespace: 'shop', workload: { kind: 'Deployment', name: 'web' }, reason: 'test' });
    }
    expect((await first.heartbeat()).body.commandsPending).toBe(true);
    const lists = await Promise.all([first.send('GET', '/v1/agent/commands'), second.send('GET', '/v1/agent/commands')]);
    const listed = lists.map((l) => l.body.commands.map((c: { id: string }) => c.id));
    expect([...listed[0], ...listed[1]].sort()).toEqual([...queued].sort()); // each once, to one of them
    expect((await first.send('GET', '/v1/agent/commands')).body.commands).toEqual([]);
    expect((await first.heartbeat()).body.commandsPending).toBe(false);

    // The holder of the first command acknowledges it; the others' claims run out (their agent died).
    const acked = queued[0];
    const ack = await first.send('POST', `/v1/agent/commands/${acked}/ack`, { agentId: 'agent-1', outcome: 'succeeded', affectedCount: 0, completedAt: new Date().toISOString() });
    expect(ack.status).toBe(200);
    const db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    try {
      await db.query(`UPDATE agent_commands SET claimed_until = now() - interval '1 second' WHERE cluster_id = $1`, [cluster.id]);
      const again = (await second.send('GET', '/v1/agent/commands')).body.commands.map((c: { id: string }) => c.id);
      expect(again.sort()).toEqual(queued.slice(1).sort());
      const { rows } = await db.query(`SELECT id, claims FROM agent_commands WHERE cluster_id = $1 ORDER BY id`, [cluster.id]);
      expect(Object.fromEntries(rows.map((r) => [r.id, r.claims]))).toEqual(Object.fromEntries(queued.map((id) => [id, id === acked ? 1 : 2])));
    } finally {
      await db.end();
    }
  });

  it('deletes a group once what is live in it is gone; what was deleted in it moves to the parent', async () => {
    const team = await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name: 'short-lived' } });
    const cluster = await api.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: team.body.id, name: 'short-lived-1' } });
    const policy = await api.request('POST', '/v1/policies', { token: acme.owner.token, body: { groupId: team.body.id, document: imagePolicy('short-lived-gate', 'images: [{glob: "**"}]\nauthorities: [{static: {action: pass}}]') } });
    expect([team.status, cluster.status, policy.status]).toEqual([201, 201, 201]);
    const blocked = await api.request('DELETE', `/v1/groups/${team.body.id}`, { token: acme.owner.token });
    expect(blocked.status).toBe(409);
    expect(blocked.body.message).toMatch(/still used by (clusters|policies); delete or move them first/);
    expect((await api.request('DELETE', `/v1/clusters/${cluster.body.id}`, { token: acme.owner.token })).status).toBe(204);
    expect((await api.request('DELETE', `/v1/groups/${team.body.id}`, { token: acme.owner.token })).body.message).toMatch(/still used by policies/);
    expect((await api.request('DELETE', `/v1/policies/${policy.body.id}`, { token: acme.owner.token })).status).toBe(204);
    expect((await api.request('DELETE', `/v1/groups/${team.body.id}`, { token: acme.owner.token })).status).toBe(204);
    const db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT (SELECT group_id FROM clusters WHERE id = $1) AS cluster_group, (SELECT group_id FROM policies WHERE id = $2) AS policy_group`, [cluster.body.id, policy.body.id]);
      expect(rows[0]).toEqual({ cluster_group: acme.rootGroupId, policy_group: acme.rootGroupId });
    } finally {
      await db.end();
    }
  });

  it('revokes credentials at once when the cluster is deleted', async () => {
    const cluster = await newCluster(acme, 'doomed');
    const agent = await AgentClient.register(api, cluster.registrationToken);
    expect((await agent.heartbeat()).status).toBe(200);
    expect((await api.request('DELETE', `/v1/clusters/${cluster.id}`, { token: viewer.token })).status).toBe(403);
    expect((await api.request('DELETE', `/v1/clusters/${cluster.id}`, { token: acme.owner.token })).status).toBe(204);
    expect((await agent.heartbeat()).status).toBe(401);
    expect((await api.request('GET', `/v1/clusters/${cluster.id}`, { token: acme.owner.token })).status).toBe(404);
  });
});
