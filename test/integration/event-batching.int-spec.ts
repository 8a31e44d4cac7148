import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { EventPublisher, type PublishEvent } from '../../libs/events/src';
import { DeliveryRepository } from '../../libs/events/src/repositories';
import { loadPlatformConfig } from '../../libs/shared/config/src';
import { Database } from '../../libs/shared/database/src';
import { QUEUE_NAMES } from '../../libs/shared/queue/src';
import { ApiHarness, TEST_REDIS_URL, TEST_SECRET_KEY } from '../support/api-harness';
import { CloudEventsSink } from '../support/cloudevents-sink';
import { createTenant, TenantFixture } from '../support/tenant-fixtures';

const CHANGED = 'dev.vigil.policy.validation.changed.v1';
const REGISTERED = 'dev.vigil.cluster.registered.v1';
const ENV = {
  VIGIL_ALLOW_PRIVATE_TARGETS: 'true', // the sinks live on loopback
  VIGIL_DELIVERY_RETRY_BASE_MS: '200',
  VIGIL_DELIVERY_PROBE_SECONDS: '1',
  VIGIL_DELIVERY_TIMEOUT_MS: '2000', // the sinks share this busy process: an immediate answer can take most of a second
  VIGIL_DELIVERY_MAX_AGE_SECONDS: '300',
};

/** The batch paths of the outbox and of delivery: many events per statement, many attempts per round trip. */
describe('batched publishing and delivery', () => {
  let api: ApiHarness;
  let worker: INestApplicationContext;
  let acme: TenantFixture;
  let other: TenantFixture;
  let publisher: EventPublisher;
  let database: Database;
  let deliveries: DeliveryRepository;
  let deliverQueue: Queue;
  const sinks: CloudEventsSink[] = [];

  beforeAll(async () => {
    api = await ApiHarness.start(ENV);
    const config = loadPlatformConfig({ DATABASE_URL: api.databaseUrl, REDIS_URL: TEST_REDIS_URL, VIGIL_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent', ...ENV });
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, { queuePrefix: api.queuePrefix }), { logger: false });
    await worker.init();
    publisher = worker.get(EventPublisher, { strict: false });
    database = worker.get(Database, { strict: false });
    deliveries = worker.get(DeliveryRepository, { strict: false });
    deliverQueue = worker.get(getQueueToken(QUEUE_NAMES.deliver), { strict: false });
    acme = await createTenant(api, 'acme');
    other = await createTenant(api, 'other');
  });
  afterAll(async () => {
    await worker?.close();
    await api?.stop();
    await Promise.all(sinks.map((s) => s.stop()));
  });

  async function subscribedSink(tenant: TenantFixture, body: Record<string, unknown>): Promise<{ sink: CloudEventsSink; id: string }> {
    const sink = await CloudEventsSink.start();
    sinks.push(sink);
    const res = await api.request('POST', '/v1/subscriptions', { token: tenant.owner.token, body: { groupId: tenant.rootGroupId, sink: sink.url, ...body } });
    expect(res.status).toBe(201);
    sink.secret = res.body.secret;
    return { sink, id: res.body.id };
  }

  async function group(name: string): Promise<string> {
    const res = await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name } });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  const event = (type: string, groupId: string, n: number): PublishEvent & { id: string } => ({
    id: randomUUID(),
    type,
    groupId,
    source: `/orgs/test`,
    subject: `subject-${n}`,
    data: { n },
  });

  /** Delivery rows of these events, as (subscription, event) pairs; `inside`: within the caller's transaction. */
  async function deliveryRows(orgId: string, eventIds: string[]): Promise<{ id: string; subscription_id: string; event_id: string }[]> {
    return database.forOrg(orgId, (m) => m.query(`SELECT id, subscription_id, event_id FROM deliveries WHERE event_id = ANY($1::uuid[]) ORDER BY id`, [eventIds]));
  }

  const receivedIds = (sink: CloudEventsSink, ours: Set<string>) => sink.received.map((r) => r.event.id).filter((id) => ours.has(id)).sort();

  it('writes one event per id and one delivery per matching subscription, and enqueues them only after commit', async () => {
    const team = await group('team');
    const sibling = await group('sibling');
    const all = await subscribedSink(acme, {});
    const teamChanged = await subscribedSink(acme, { groupId: team, types: [CHANGED] });
    const siblingAll = await subscribedSink(acme, { groupId: sibling });
    const otherType = await subscribedSink(acme, { types: ['dev.vigil.policy.created.v1'] });
    const otherOrg = await subscribedSink(other, {});
    await deliverQueue.pause();

    const [onTeam, onRoot, registered] = [event(CHANGED, team, 1), event(CHANGED, acme.rootGroupId, 2), event(REGISTERED, team, 3)];
    const ids = [onTeam.id, onRoot.id, registered.id];
    let queuedBeforeCommit: unknown[] = [];
    const published = await database.forOrg(acme.orgId, async () => {
      // The same transition twice in one batch is still one event.
      const result = await publisher.publishMany(acme.orgId, [onTeam, onRoot, registered, { ...onTeam, data: { n: 'again' } }]);
      const rows = await deliveryRows(acme.orgId, ids);
      queuedBeforeCommit = await Promise.all(rows.map((r) => deliverQueue.getJob(`${r.id}-0`)));
      return result;
    });
    expect(published).toEqual({ ids: [...ids, onTeam.id], deliveries: 4 });
    expect(queuedBeforeCommit.filter(Boolean)).toEqual([]);

    const rows = await deliveryRows(acme.orgId, ids);
    const pairs = rows.map((r) => `${r.subscription_id}/${r.event_id}`).sort();
    expect(pairs).toEqual([`${all.id}/${onTeam.id}`, `${all.id}/${onRoot.id}`, `${all.id}/${registered.id}`, `${teamChanged.id}/${onTeam.id}`].sort());
    const queued = await Promise.all(rows.map((r) => deliverQueue.getJob(`${r.id}-0`)));
    expect(queued.map((j) => j?.data)).toEqual(rows.map((r) => ({ orgId: acme.orgId, deliveryId: r.id, attempt: 0, subscriptionId: r.subscription_id })));
    const events: { id: string; data: unknown }[] = await database.forOrg(acme.orgId, (m) => m.query(`SELECT id, data FROM events WHERE id = ANY($1::uuid[])`, [ids]));
    expect(events).toHaveLength(3);
    expect(events.find((e) => e.id === onTeam.id)!.data).toEqual({ n: 1 });

    // A replay (a retried job) writes and enqueues nothing.
    expect(await database.forOrg(acme.orgId, () => publisher.publishMany(acme.orgId, [onTeam, onRoot, registered]))).toEqual({ ids, deliveries: 0 });
    expect(await deliveryRows(acme.orgId, ids)).toHaveLength(4);

    await deliverQueue.resume();
    const ours = new Set(ids);
    await all.sink.waitFor(() => receivedIds(all.sink, ours).length === 3, 'the root subscription');
    await teamChanged.sink.waitFor(() => receivedIds(teamChanged.sink, ours).length === 1, 'the team subscription');
    expect(receivedIds(all.sink, ours)).toEqual([...ids].sort());
    expect(receivedIds(teamChanged.sink, ours)).toEqual([onTeam.id]);
    await new Promise((r) => setTimeout(r, 500));
    for (const s of [siblingAll, otherType, otherOrg]) expect(receivedIds(s.sink, ours)).toEqual([]);
    for (const s of [all, teamChanged]) expect(s.sink.rejected).toEqual([]);
  });

  it('writes and enqueues nothing when the transaction rolls back', async () => {
    await subscribedSink(acme, { types: [CHANGED] });
    const doomed = [event(CHANGED, acme.rootGroupId, 10), event(CHANGED, acme.rootGroupId, 11)];
    let deliveryIds: string[] = [];
    await expect(
      database.forOrg(acme.orgId, async () => {
        await publisher.publishMany(acme.orgId, doomed);
        deliveryIds = (await deliveryRows(acme.orgId, doomed.map((e) => e.id))).map((r) => r.id);
        throw new Error('the evaluation failed after publishing');
      }),
    ).rejects.toThrow('the evaluation failed');
    expect(deliveryIds.length).toBeGreaterThan(0);
    expect(await deliveryRows(acme.orgId, doomed.map((e) => e.id))).toEqual([]);
    expect((await Promise.all(deliveryIds.map((id) => deliverQueue.getJob(`${id}-0`)))).filter(Boolean)).toEqual([]);
  });

  it('records each attempt once when a batch holds the same attempt twice or a stale one', async () => {
    const target = await subscribedSink(acme, { types: [REGISTERED] });
    await deliverQueue.pause();
    try {
      const e = event(REGISTERED, acme.rootGroupId, 20);
      await database.forOrg(acme.orgId, () => publisher.publishMany(acme.orgId, [e]));
      const [row] = (await deliveryRows(acme.orgId, [e.id])).filter((r) => r.subscription_id === target.id);
      const loaded = (await deliveries.loadForAttempts(acme.orgId, [row.id, randomUUID()])).get(row.id)!;
      expect(loaded.event?.id).toBe(e.id);
      const entry = {
        delivery: loaded.delivery,
        attempt: { statusCode: 503, latencyMs: 5, outcome: 'failed' as const, error: 'sink answered 503' },
        next: { state: 'pending' as const, nextAttemptAt: new Date(Date.now() + 60_000) },
      };
      expect(await deliveries.recordAttempts(acme.orgId, [entry, { ...entry }])).toEqual([true, false]);
      expect(await deliveries.recordAttempts(acme.orgId, [entry])).toEqual([false]); // attempt 0 is already recorded
      const attempts = await deliveries.attemptsFor(acme.orgId, [row.id]);
      expect(attempts.map((a) => ({ outcome: a.outcome, statusCode: a.statusCode }))).toEqual([{ outcome: 'failed', statusCode: 503 }]);
      expect((await deliveries.findById(acme.orgId, row.id))!.attempts).toBe(1);
    } finally {
      await deliverQueue.resume();
    }
  });

  it('delivers a batch to healthy sinks while a failing and a slow sink in the same batch wait, in this org and the next', async () => {
    const failing = await subscribedSink(acme, { types: [CHANGED] });
    failing.sink.answer = { status: 500, delayMs: 0 };
    const slow = await subscribedSink(acme, { types: [CHANGED] });
    slow.sink.answer = { status: 200, delayMs: 5000 }; // longer than the 2 s delivery timeout
    const healthy = await subscribedSink(acme, { types: [CHANGED] });
    const otherHealthy = await subscribedSink(other, { types: [CHANGED] });

    const ours = Array.from({ length: 40 }, (_, n) => event(CHANGED, acme.rootGroupId, 100 + n));
    const theirs = Array.from({ length: 10 }, (_, n) => event(CHANGED, other.rootGroupId, 200 + n));
    let slowBusyWhenHealthyDone = false;
    const healthyDone = healthy.sink.waitFor(() => {
      if (healthy.sink.uniqueDeliveries.length < ours.length) return false;
      slowBusyWhenHealthyDone = slow.sink.inFlight > 0 || slow.sink.requests === 0;
      return true;
    }, 'every event at the healthy sink', 60_000);
    await Promise.all([
      database.forOrg(acme.orgId, () => publisher.publishMany(acme.orgId, ours)),
      database.forOrg(other.orgId, () => publisher.publishMany(other.orgId, theirs)),
    ]);
    await healthyDone;
    await otherHealthy.sink.waitFor(() => otherHealthy.sink.uniqueDeliveries.length === theirs.length, 'the other org', 60_000);

    expect(slowBusyWhenHealthyDone).toBe(true);
    expect(receivedIds(healthy.sink, new Set(ours.map((e) => e.id)))).toEqual(ours.map((e) => e.id).sort());
    expect(healthy.sink.received).toHaveLength(ours.length); // once each
    expect(receivedIds(otherHealthy.sink, new Set(theirs.map((e) => e.id)))).toEqual(theirs.map((e) => e.id).sort());
    const failed = await api.request('GET', `/v1/subscriptions/${failing.id}/deliveries?limit=100`, { token: acme.owner.token });
    expect(failed.body.items).toHaveLength(ours.length);
    for (const d of failed.body.items) expect(d.state).toBe('pending');
    const failedAttempts = failed.body.items.flatMap((d: { attempts: { outcome: string; statusCode: number }[] }) => d.attempts);
    expect(failedAttempts.length).toBeGreaterThanOrEqual(1);
    for (const a of failedAttempts) expect(a).toEqual(expect.objectContaining({ outcome: 'failed', statusCode: 500, error: 'sink answered 500' }));
    // 130 deliveries and four sinks in the test's own process: in a full parallel suite this takes far longer than alone.
  }, 120_000);
});
