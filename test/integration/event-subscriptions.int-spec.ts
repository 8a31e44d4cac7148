import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import IORedis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { DeliveryService } from '../../libs/events/src';
import { loadPlatformConfig } from '../../libs/shared/config/src';
import { AgentClient } from '../support/agent-client';
import { ApiHarness, TEST_REDIS_URL, TEST_SECRET_KEY } from '../support/api-harness';
import { CloudEventsSink } from '../support/cloudevents-sink';
import { until } from '../support/worker-harness';
import { addMember, createTenant, TenantFixture } from '../support/tenant-fixtures';

const REGISTERED = 'dev.vigil.cluster.registered.v1';
const DELIVERY_ENV = {
  VIGIL_ALLOW_PRIVATE_TARGETS: 'true', // the sinks live on loopback
  VIGIL_DELIVERY_RETRY_BASE_MS: '200',
  VIGIL_DELIVERY_PROBE_SECONDS: '1',
  VIGIL_DELIVERY_TIMEOUT_MS: '1000',
  VIGIL_DELIVERY_MAX_AGE_SECONDS: '300',
};

/** The dead-letter test needs a retry window that ends within the test. */
const SHORT_WINDOW_ENV = { ...DELIVERY_ENV, VIGIL_DELIVERY_MAX_AGE_SECONDS: '3' };

/** API + worker on one database and queue prefix, two tenants, and the sinks a test starts. */
class DeliveryPlatform {
  api!: ApiHarness;
  worker: INestApplicationContext | undefined;
  acme!: TenantFixture;
  other!: TenantFixture;
  private readonly sinks: CloudEventsSink[] = [];

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    this.api = await ApiHarness.start(this.env);
    await this.startWorker();
    this.acme = await createTenant(this.api, 'acme');
    this.other = await createTenant(this.api, 'other');
  }

  async startWorker(): Promise<void> {
    const config = loadPlatformConfig({ DATABASE_URL: this.api.databaseUrl, REDIS_URL: TEST_REDIS_URL, VIGIL_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent', ...this.env });
    this.worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, { queuePrefix: this.api.queuePrefix }), { logger: false });
    await this.worker.init();
  }

  async stopWorker(): Promise<void> {
    await this.worker?.close();
    this.worker = undefined;
  }

  async stop(): Promise<void> {
    await this.stopWorker();
    await this.api.stop();
    await Promise.all(this.sinks.map((s) => s.stop()));
  }

  async sink(): Promise<CloudEventsSink> {
    const s = await CloudEventsSink.start();
    this.sinks.push(s);
    return s;
  }

  async subscribe(target: CloudEventsSink, body: Record<string, unknown>, tenant = this.acme) {
    const res = await this.api.request('POST', '/v1/subscriptions', { token: tenant.owner.token, body: { groupId: tenant.rootGroupId, sink: target.url, ...body } });
    expect(res.status).toBe(201);
    target.secret = res.body.secret;
    return res.body as { id: string; secret: string };
  }

  /** Registering an agent emits dev.vigil.cluster.registered.v1 in the cluster's group. */
  async registerCluster(groupId: string, name: string, tenant = this.acme): Promise<string> {
    const created = await this.api.request('POST', '/v1/clusters', { token: tenant.owner.token, body: { groupId, name } });
    await AgentClient.register(this.api, created.body.registrationToken);
    return created.body.id;
  }
}

describe('CloudEvents subscriptions and delivery', () => {
  const platform = new DeliveryPlatform(DELIVERY_ENV);
  let api: ApiHarness;
  let acme: TenantFixture;
  let other: TenantFixture;
  const sink = () => platform.sink();
  const subscribe: DeliveryPlatform['subscribe'] = (...args) => platform.subscribe(...args);
  const registerCluster: DeliveryPlatform['registerCluster'] = (...args) => platform.registerCluster(...args);

  beforeAll(async () => {
    await platform.start();
    ({ api, acme, other } = platform);
  });
  afterAll(() => platform.stop());

  it('validates subscriptions and shows the secret once', async () => {
    const target = await sink();
    for (const [body, field] of [
      [{ sink: 'ftp://example.com/x' }, /^sink:/],
      [{ sink: 'http://user:pw@example.com/x' }, /^sink:/],
      [{ sink: 'not a url' }, /^sink:/],
      [{ sink: target.url, types: ['nope'] }, /^types:/],
      [{ sink: target.url, mode: 'batched' }, /^mode:/],
      [{ sink: target.url, secret: 'hunter2' }, /^secret:/],
    ] as const) {
      const res = await api.request('POST', '/v1/subscriptions', { token: acme.owner.token, body: { groupId: acme.rootGroupId, ...body } });
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(res.body.message).toMatch(field);
      // Body validation (not the sink checks, which resolve the host) also lists its problems, located.
      if (!('sink' in body && body.sink !== target.url)) expect(res.body.errors.map((e: { path: string }) => `${e.path}:`)).toEqual([expect.stringMatching(field)]);
    }
    const created = await subscribe(target, { types: [REGISTERED] });
    expect(created.secret).toMatch(/^whsec_/);
    const shown = await api.request('GET', `/v1/subscriptions/${created.id}`, { token: acme.owner.token });
    expect(shown.body).toEqual(expect.objectContaining({ id: created.id, sink: target.url, types: [REGISTERED], mode: 'binary' }));
    expect(JSON.stringify(shown.body)).not.toContain(created.secret);
    await api.request('DELETE', `/v1/subscriptions/${created.id}`, { token: acme.owner.token });
  });

  it('delivers signed CloudEvents in binary and structured mode, filtered by type and group', async () => {
    const team = await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name: 'team' } });
    const sibling = await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name: 'sibling' } });
    const [binary, structured, otherType, siblingSink, otherOrg] = [await sink(), await sink(), await sink(), await sink(), await sink()];
    await subscribe(binary, { types: [REGISTERED] });
    await subscribe(structured, { mode: 'structured' });
    await subscribe(otherType, { types: ['dev.vigil.policy.created.v1'] });
    const s = await api.request('POST', '/v1/subscriptions', { token: acme.owner.token, body: { groupId: sibling.body.id, sink: siblingSink.url } });
    siblingSink.secret = s.body.secret;
    await subscribe(otherOrg, {}, other);

    const clusterId = await registerCluster(team.body.id, 'team-prod');
    await binary.waitFor(() => binary.received.length >= 1, 'binary delivery');
    await structured.waitFor(() => structured.received.some((r) => r.event.type === REGISTERED), 'structured delivery');

    const got = binary.received[0];
    expect(got.mode).toBe('binary');
    expect(got.event).toEqual(expect.objectContaining({ specversion: '1.0', type: REGISTERED, source: `/orgs/${acme.orgId}/clusters/${clusterId}`, subject: clusterId }));
    expect(got.event.data).toEqual(expect.objectContaining({ clusterId, name: 'team-prod' }));
    const structuredGot = structured.received.find((r) => r.event.type === REGISTERED)!;
    expect(structuredGot.mode).toBe('structured');
    expect(structuredGot.event.id).toBe(got.event.id); // one event, one id, whatever the subscription
    expect(structuredGot.deliveryId).not.toBe(got.deliveryId);
    for (const s of [binary, structured]) expect(s.rejected).toEqual([]);

    // The event log has it; the filtered-out sinks never hear of it.
    const log = await api.request('GET', `/v1/events?type=${REGISTERED}`, { token: acme.owner.token });
    expect(log.body.items.map((e: { id: string }) => e.id)).toContain(got.event.id);
    await new Promise((r) => setTimeout(r, 500));
    expect(otherType.requests + siblingSink.requests + otherOrg.requests).toBe(0);
  });

  it('retries a sink that is down until it comes back; each delivery is received once per id', async () => {
    const flaky = await sink();
    flaky.answer = { status: 503, delayMs: 0 };
    const sub = await subscribe(flaky, { types: [REGISTERED] });
    await registerCluster(acme.rootGroupId, 'flaky-1');
    await registerCluster(acme.rootGroupId, 'flaky-2');
    await flaky.waitFor(() => flaky.requests >= 2, 'failed attempts');
    flaky.answer = { status: 200, delayMs: 0 };
    // Deliveries held back by the breaker come back through the 5 s sweep: allow a few sweeps on a busy machine.
    await flaky.waitFor(() => flaky.uniqueDeliveries.length === 2, 'both deliveries after recovery', 45_000);
    expect(flaky.received.map((r) => r.event.data!.name).sort()).toEqual(['flaky-1', 'flaky-2']);

    const log = await api.request('GET', `/v1/subscriptions/${sub.id}/deliveries`, { token: acme.owner.token });
    expect(log.body.items).toHaveLength(2);
    // (A delivery may have waited behind the breaker and then succeeded at its first attempt.)
    const failedAttempts = log.body.items.flatMap((d: { attempts: { outcome: string }[] }) => d.attempts.filter((a) => a.outcome === 'failed'));
    expect(failedAttempts.length).toBeGreaterThanOrEqual(1);
    for (const a of failedAttempts) expect(a).toEqual(expect.objectContaining({ statusCode: 503, latencyMs: expect.any(Number), error: 'sink answered 503' }));
    for (const d of log.body.items) {
      expect(d.state).toBe('succeeded');
      expect(d.attempts[d.attempts.length - 1]).toEqual(expect.objectContaining({ outcome: 'succeeded', statusCode: 200 }));
    }
  }, 90_000);

  it('never lets a slow sink hold up another', async () => {
    const slow = await sink();
    const fast = await sink();
    slow.answer = { status: 200, delayMs: 3000 }; // longer than the 1 s delivery timeout
    await subscribe(slow, { types: [REGISTERED] });
    await subscribe(fast, { types: [REGISTERED] });
    let slowBusyWhenFastGotIt = false;
    const done = fast.waitFor(() => {
      if (fast.received.length < 1) return false;
      slowBusyWhenFastGotIt = slow.inFlight > 0 || slow.requests === 0;
      return true;
    }, 'fast delivery');
    await registerCluster(acme.rootGroupId, 'speed');
    await done;
    expect(slowBusyWhenFastGotIt).toBe(true);
  });

  it('loses nothing when Redis forgets the queue: the sweep rebuilds it', async () => {
    await platform.stopWorker();
    const target = await sink();
    await subscribe(target, { types: [REGISTERED] });
    await registerCluster(acme.rootGroupId, 'after-flush');
    const redis = new IORedis(TEST_REDIS_URL);
    const keys = await redis.keys(`${api.queuePrefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await platform.startWorker();
    await target.waitFor(() => target.received.length === 1, 'delivery rebuilt by the sweep');
    expect(target.received[0].event.data!.name).toBe('after-flush');
  });

  it("keeps subscriptions, deliveries and events to their org and role", async () => {
    const target = await sink();
    const sub = await subscribe(target, {});
    for (const [method, path] of [['GET', `/v1/subscriptions/${sub.id}`], ['DELETE', `/v1/subscriptions/${sub.id}`], ['GET', `/v1/subscriptions/${sub.id}/deliveries`]]) {
      expect({ path, status: (await api.request(method, path, { token: other.owner.token })).status }).toEqual({ path, status: 404 });
      expect({ path, status: (await api.request(method, path)).status }).toEqual({ path, status: 401 });
    }
    const viewer = await addMember(api, { orgId: acme.orgId, actingToken: acme.owner.token, homeGroupId: acme.rootGroupId, groupId: acme.rootGroupId, role: 'viewer', name: 'viewer-2' });
    expect((await api.request('POST', '/v1/subscriptions', { token: viewer.token, body: { groupId: acme.rootGroupId, sink: target.url } })).status).toBe(403);
    expect((await api.request('DELETE', `/v1/subscriptions/${sub.id}`, { token: viewer.token })).status).toBe(403);
    const theirs = await api.request('GET', '/v1/events?limit=1000', { token: other.owner.token });
    const ours = await api.request('GET', '/v1/events?limit=1000', { token: acme.owner.token });
    const ourIds = new Set(ours.body.items.map((e: { id: string }) => e.id));
    expect(ours.body.items.length).toBeGreaterThan(0);
    expect(theirs.body.items.some((e: { id: string }) => ourIds.has(e.id))).toBe(false);
    expect((await api.request('GET', '/v1/subscriptions', { token: other.owner.token })).body.items.map((s: { id: string }) => s.id)).not.toContain(sub.id);
  });
});


describe('one slow subscriber among many', () => {
  // A sink that answers inside the timeout never trips the breaker; only the per-subscription cap keeps it from taking every slot.
  const platform = new DeliveryPlatform({ ...DELIVERY_ENV, VIGIL_DELIVERY_TIMEOUT_MS: '5000', VIGIL_DELIVERY_MAX_IN_FLIGHT_PER_SUBSCRIPTION: '2' });
  beforeAll(() => platform.start());
  afterAll(() => platform.stop());

  it('holds a slow sink to its share of delivery slots, while the others get every event at once', async () => {
    const slow = await platform.sink();
    const fast = await platform.sink();
    slow.answer = { status: 200, delayMs: 400 };
    const slowSubscription = await platform.subscribe(slow, { types: [REGISTERED] });
    await platform.subscribe(fast, { types: [REGISTERED] });
    const clusters = 10;
    // The events wait for a worker, so all 20 deliveries are due at once when it starts.
    await platform.stopWorker();
    for (let i = 0; i < clusters; i++) await platform.registerCluster(platform.acme.rootGroupId, `burst-${i}`);
    await platform.startWorker();
    await fast.waitFor(() => fast.uniqueDeliveries.length === clusters, 'every event at the fast sink');
    expect(slow.uniqueDeliveries.length).toBeLessThan(clusters); // 10 × 400 ms at 2 at a time is still going
    await slow.waitFor(() => slow.uniqueDeliveries.length === clusters, 'every event at the slow sink');
    expect(slow.maxInFlight).toBe(2);
    expect(fast.maxInFlight).toBeGreaterThanOrEqual(1);
    // Deferred attempts are not attempts: each delivery succeeded on its first.
    // (The worker records an attempt after the sink answered: wait for the records.)
    const recorded = await until('every delivery recorded as succeeded', async () => {
      const log = await platform.api.request('GET', `/v1/subscriptions/${slowSubscription.id}/deliveries?limit=100`, { token: platform.acme.owner.token });
      return log.body.items.length === clusters && log.body.items.every((d: { state: string }) => d.state === 'succeeded') ? log.body.items : undefined;
    });
    for (const d of recorded) expect(d.attempts).toHaveLength(1);
  }, 60_000);

  it('sends a job back while its subscription has its share in flight, without loading it', async () => {
    const slower = await platform.sink();
    slower.answer = { status: 200, delayMs: 3000 };
    const subscription = await platform.subscribe(slower, { types: [REGISTERED] });
    for (let i = 0; i < 2; i++) await platform.registerCluster(platform.acme.rootGroupId, `held-${i}`);
    await until('both slots of the slower sink taken', async () => (slower.inFlight === 2 ? true : undefined), 5_000);
    // A delivery that does not exist: loaded, it would be stale; with its subscription's share taken, nothing is loaded.
    const delivery = platform.worker!.get(DeliveryService);
    const job = { orgId: platform.acme.orgId, deliveryId: randomUUID(), attempt: 0 };
    expect(await delivery.attempt({ ...job, subscriptionId: subscription.id })).toBe('deferred');
    expect(await delivery.attempt(job)).toBe('stale');
    expect(await delivery.attempt({ ...job, subscriptionId: randomUUID() })).toBe('stale');
    await slower.waitFor(() => slower.uniqueDeliveries.length === 2, 'both events at the slower sink');
  }, 30_000);
});

describe('dead letters', () => {
  const platform = new DeliveryPlatform(SHORT_WINDOW_ENV);
  let api: ApiHarness;
  let acme: TenantFixture;
  let other: TenantFixture;
  const sink = () => platform.sink();
  const subscribe: DeliveryPlatform['subscribe'] = (...args) => platform.subscribe(...args);
  const registerCluster: DeliveryPlatform['registerCluster'] = (...args) => platform.registerCluster(...args);

  beforeAll(async () => {
    await platform.start();
    ({ api, acme, other } = platform);
  });
  afterAll(() => platform.stop());

  it('parks a delivery as a dead letter after the retry window, and redelivers it on request', async () => {
    const dead = await sink();
    dead.answer = { status: 500, delayMs: 0 };
    const sub = await subscribe(dead, { types: [REGISTERED] });
    await registerCluster(acme.rootGroupId, 'dead-letter');
    let deliveries: any[] = [];
    for (let i = 0; i < 100; i++) {
      deliveries = (await api.request('GET', `/v1/subscriptions/${sub.id}/deliveries`, { token: acme.owner.token })).body.items;
      if (deliveries[0]?.state === 'dead') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(deliveries[0]).toEqual(expect.objectContaining({ state: 'dead', lastStatusCode: 500 }));
    expect(deliveries[0].lastError).toMatch(/retry window/);

    const viewer = await addMember(api, { orgId: acme.orgId, actingToken: acme.owner.token, homeGroupId: acme.rootGroupId, groupId: acme.rootGroupId, role: 'viewer', name: 'v' });
    expect((await api.request('POST', `/v1/deliveries/${deliveries[0].id}/redeliver`, { token: viewer.token })).status).toBe(403);
    expect((await api.request('POST', `/v1/deliveries/${deliveries[0].id}/redeliver`, { token: other.owner.token })).status).toBe(404);
    dead.answer = { status: 200, delayMs: 0 };
    const again = await api.request('POST', `/v1/deliveries/${deliveries[0].id}/redeliver`, { token: acme.owner.token });
    expect(again.status).toBe(202);
    await dead.waitFor(() => dead.received.length === 1, 'the redelivery');
    expect(dead.received[0].deliveryId).toBe(deliveries[0].id);
  });

});

describe('IAM changes as events', () => {
  it('emits dev.vigil.iam.* for IAM changes, in the event log of the org', async () => {
    const api = await ApiHarness.start();
    try {
      const acme = await createTenant(api, 'acme');
      const group = await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name: 'team' } });
      await api.request('DELETE', `/v1/groups/${group.body.id}`, { token: acme.owner.token });
      const log = await api.request('GET', '/v1/events?limit=1000', { token: acme.owner.token });
      const types = log.body.items.map((e: { type: string }) => e.type);
      for (const t of ['dev.vigil.iam.org.create.v1', 'dev.vigil.iam.identity.create.v1', 'dev.vigil.iam.role-binding.create.v1', 'dev.vigil.iam.token.create.v1', 'dev.vigil.iam.group.create.v1', 'dev.vigil.iam.group.delete.v1']) {
        expect(types).toContain(t);
      }
      const created = log.body.items.find((e: { type: string }) => e.type === 'dev.vigil.iam.group.create.v1');
      expect(created).toEqual(expect.objectContaining({ source: `/orgs/${acme.orgId}`, subject: group.body.id }));
      expect(created.data).toEqual(expect.objectContaining({ who: { type: 'identity', id: acme.owner.identityId }, action: 'group.create' }));
      expect(JSON.stringify(log.body)).not.toMatch(/vgl_[A-Za-z0-9_-]{20}/);
    } finally {
      await api.stop();
    }
  });
});
