import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { HousekeepingService } from '../../apps/worker/src/housekeeping/housekeeping.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { InventoryFoldService } from '../../libs/inventory/src';
import { loadPlatformConfig } from '../../libs/shared/config/src';
import { AgentClient } from '../support/agent-client';
import { ApiHarness, TEST_REDIS_URL, TEST_SECRET_KEY } from '../support/api-harness';
import { addMember, createTenant, TenantFixture } from '../support/tenant-fixtures';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

describe('housekeeping: cluster health, inventory retention', () => {
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let housekeeping: HousekeepingService;
  let acme: TenantFixture;
  let other: TenantFixture;
  let db: Client;

  beforeAll(async () => {
    api = await ApiHarness.start();
    const config = loadPlatformConfig({ DATABASE_URL: api.databaseUrl, REDIS_URL: TEST_REDIS_URL, VIGIL_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent' });
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, { queuePrefix: `test-hk-${Date.now()}` }), { logger: false });
    housekeeping = worker.get(HousekeepingService);
    acme = await createTenant(api, 'acme');
    other = await createTenant(api, 'other');
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await worker.close();
    await api.stop();
  });

  async function registeredCluster(tenant: TenantFixture, name: string) {
    const created = await api.request('POST', '/v1/clusters', { token: tenant.owner.token, body: { groupId: tenant.rootGroupId, name, unhealthyAfterSeconds: 60 } });
    return { id: created.body.id as string, agent: await AgentClient.register(api, created.body.registrationToken) };
  }

  it('marks a cluster unhealthy when its agent goes silent, and healthy when it returns', async () => {
    const { id, agent } = await registeredCluster(acme, 'quiet');
    const lively = await registeredCluster(acme, 'lively');
    await agent.heartbeat();
    await lively.agent.heartbeat();
    await db.query(`UPDATE clusters SET last_heartbeat_at = now() - interval '2 minutes' WHERE id = $1`, [id]);
    const report = await housekeeping.tick();
    expect(report.markedUnhealthy).toEqual([id]);
    expect((await api.request('GET', `/v1/clusters/${id}`, { token: acme.owner.token })).body.health).toBe('unhealthy');
    expect((await api.request('GET', `/v1/clusters/${lively.id}`, { token: acme.owner.token })).body.health).toBe('healthy');
    expect((await housekeeping.tick()).markedUnhealthy).toEqual([]); // a transition happens once
    await agent.heartbeat();
    expect((await api.request('GET', `/v1/clusters/${id}`, { token: acme.owner.token })).body.health).toBe('healthy');
  });

  it('configures retention per org (owners only), and deletes only ended intervals older than it', async () => {
    const viewer = await addMember(api, { orgId: acme.orgId, actingToken: acme.owner.token, homeGroupId: acme.rootGroupId, groupId: acme.rootGroupId, role: 'viewer', name: 'v' });
    expect((await api.request('PATCH', `/v1/orgs/${acme.orgId}`, { token: viewer.token, body: { inventoryRetentionDays: 30 } })).status).toBe(403);
    expect((await api.request('PATCH', `/v1/orgs/${acme.orgId}`, { token: other.owner.token, body: { inventoryRetentionDays: 30 } })).status).toBe(404);
    const bad = await api.request('PATCH', `/v1/orgs/${acme.orgId}`, { token: acme.owner.token, body: { inventoryRetentionDays: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^inventoryRetentionDays:/);
    const set = await api.request('PATCH', `/v1/orgs/${acme.orgId}`, { token: acme.owner.token, body: { inventoryRetentionDays: 30 } });
    expect(set.body.inventoryRetentionDays).toBe(30);
    expect((await api.request('GET', `/v1/orgs/${acme.orgId}`, { token: viewer.token })).body.inventoryRetentionDays).toBe(30);

    const { id: clusterId, agent } = await registeredCluster(acme, 'history');
    const foreign = await registeredCluster(other, 'history'); // org without retention: kept forever
    const container = (name: string, n: number, started: string, ended?: string) => ({ name, type: 'container', image: `img:${n}`, imageDigest: digest(n), startedAt: started, terminatedAt: ended });
    const batch = (pods: unknown[]) => ({ agentId: 'a', sequence: 1, kind: 'delta', sentAt: new Date().toISOString(), pods });
    const pods = [
      { op: 'upsert', uid: 'old', namespace: 'n', name: 'old', observedAt: daysAgo(60), containers: [container('c', 1, daysAgo(90), daysAgo(60))] },
      { op: 'upsert', uid: 'recent', namespace: 'n', name: 'recent', observedAt: daysAgo(5), containers: [container('c', 2, daysAgo(10), daysAgo(5))] },
      { op: 'upsert', uid: 'ancient-but-running', namespace: 'n', name: 'r', observedAt: new Date().toISOString(), containers: [container('c', 3, daysAgo(400))] },
    ];
    expect((await agent.send('POST', '/v1/agent/inventory', batch(pods))).body.applied).toBe(true);
    expect((await foreign.agent.send('POST', '/v1/agent/inventory', batch(pods))).body.applied).toBe(true);

    // Rows of pods still due for the exposure rollup's fold wait for it (trimming the runs assumes they hold them).
    expect((await housekeeping.tick()).observationsDeleted).toBe(0);
    await worker.get(InventoryFoldService).foldCluster({ orgId: acme.orgId, clusterId });
    const report = await housekeeping.tick();
    expect(report.observationsDeleted).toBe(1);
    const left = await api.request('GET', '/v1/inventory/containers?running=all', { token: acme.owner.token });
    expect(left.body.items.map((c: { podUid: string }) => c.podUid).sort()).toEqual(['ancient-but-running', 'recent']);
    const foreignLeft = await api.request('GET', '/v1/inventory/containers?running=all', { token: other.owner.token });
    expect(foreignLeft.body.items.length).toBe(3);
  });
});
