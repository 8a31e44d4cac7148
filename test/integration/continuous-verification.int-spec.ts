import { getQueueToken } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { NestFactory } from '@nestjs/core';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { VerifyService } from '../../libs/continuous-verification/src';
import { VerificationTargetRepository } from '../../libs/continuous-verification/src/repositories/verification-target.repository';
import { QUEUE_NAMES } from '../../libs/shared/queue/src';
import { RegistryClient } from '../../libs/oci/src';
import { loadPlatformConfig } from '../../libs/shared/config/src';
import { AgentClient } from '../support/agent-client';
import { ApiHarness, TEST_REDIS_URL, TEST_SECRET_KEY } from '../support/api-harness';
import { CloudEventsSink } from '../support/cloudevents-sink';
import { buildImage, freePort, pushCosignManifest, pushImage, signatureLayer, signBytes, simpleSigningPayload, startRegistry, type RunningRegistry } from '../support/oci-registry';
import { ecKey, imagePolicy, signedSpec, type SigningKey } from '../support/policy-fixtures';
import { addMember, createTenant, TenantFixture } from '../support/tenant-fixtures';
import { until } from '../support/worker-harness';

const CHANGED = 'dev.vigil.policy.validation.changed.v1';
const ENV = {
  VIGIL_INSECURE_REGISTRIES: '127.0.0.1',
  VIGIL_ALLOW_PRIVATE_TARGETS: 'true',
  VIGIL_DELIVERY_RETRY_BASE_MS: '200',
  VIGIL_DELIVERY_PROBE_SECONDS: '1',
  VIGIL_DELIVERY_TIMEOUT_MS: '2000',
};
const fakeDigest = (n: number) => `sha256:${n.toString(16).padStart(64, 'c')}`;

interface ChangedEvent {
  id: string;
  subject: string;
  data: { clusterId: string; imageDigest: string; workloads: { namespace: string; kind: string; name: string }[]; policies: Record<string, { valid: boolean; change: string; revision: number; diagnostic: string }> };
}

describe('continuous verification', () => {
  const release = ecKey();
  const attacker = ecKey();
  let registry: RunningRegistry;
  let api: ApiHarness;
  let db: Client;
  let redis: IORedis;
  let worker: INestApplicationContext | undefined;
  let acme: TenantFixture;
  let other: TenantFixture;
  let sink: CloudEventsSink;
  const images: Record<string, { ref: string; digest: string }> = {};

  async function startWorker(): Promise<void> {
    const config = loadPlatformConfig({ DATABASE_URL: api.databaseUrl, REDIS_URL: TEST_REDIS_URL, VIGIL_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent', ...ENV });
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, { queuePrefix: api.queuePrefix }), { logger: false });
    await worker.init();
  }

  async function stopWorker(): Promise<void> {
    await worker?.close();
    worker = undefined;
  }

  async function push(repository: string, signer?: SigningKey): Promise<{ ref: string; digest: string }> {
    const pusher = new RegistryClient({ insecureRegistries: [registry.host], allowPrivateTargets: true });
    const location = { registry: registry.host, repository };
    const digest = await pushImage(pusher, location, '1.0', await buildImage(repository));
    const name = `${registry.host}/${repository}`;
    if (signer) {
      const payload = simpleSigningPayload(name, digest, null);
      await pushCosignManifest(pusher, location, digest, 'sig', [signatureLayer(payload, signBytes(signer.privateKey, payload))]);
    }
    return { ref: `${name}:1.0`, digest };
  }

  async function cluster(name: string, groupId = acme.rootGroupId, tenant = acme): Promise<{ id: string; agent: AgentClient; seq: number }> {
    const created = await api.request('POST', '/v1/clusters', { token: tenant.owner.token, body: { groupId, name } });
    expect(created.status).toBe(201);
    return { id: created.body.id, agent: await AgentClient.register(api, created.body.registrationToken), seq: 0 };
  }

  async function run(c: { agent: AgentClient; seq: number }, pods: { uid: string; workload: string; ref: string; digest: string; op?: 'upsert' | 'delete' }[]): Promise<void> {
    const at = new Date().toISOString();
    const res = await c.agent.send('POST', '/v1/agent/inventory', {
      agentId: 'agent-1',
      sequence: ++c.seq,
      kind: 'delta',
      sentAt: at,
      pods: pods.map((p) => ({
        op: p.op ?? 'upsert',
        uid: p.uid,
        namespace: 'shop',
        name: `${p.workload}-${p.uid}`,
        node: 'node-1',
        owner: { kind: 'Deployment', name: p.workload },
        observedAt: at,
        containers: [{ name: 'app', type: 'container', image: p.ref, imageDigest: p.digest, startedAt: at }],
      })),
    });
    expect(res.status).toBe(200);
  }

  async function policy(method: 'POST' | 'PUT', document: string, id?: string): Promise<{ id: string; revision: number }> {
    const res = await api.request(method, id ? `/v1/policies/${id}` : '/v1/policies', { token: acme.owner.token, body: { groupId: acme.rootGroupId, document } });
    if (res.status !== (method === 'POST' ? 201 : 200)) throw new Error(`policy: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function changedEvents(clusterId: string): Promise<ChangedEvent[]> {
    const { rows } = await db.query(`SELECT id, subject, data FROM events WHERE type = $1 AND data->>'clusterId' = $2 ORDER BY seq`, [CHANGED, clusterId]);
    return rows;
  }

  const changesOf = (events: ChangedEvent[]) =>
    events
      .flatMap((e) => Object.entries(e.data.policies).map(([name, p]) => `${e.data.imageDigest.slice(-6)} ${name} ${p.change} ${p.valid} r${p.revision}`))
      .sort();

  async function waitForEvents(clusterId: string, count: number): Promise<ChangedEvent[]> {
    return until(`${count} validation events for ${clusterId}`, async () => {
      const events = await changedEvents(clusterId);
      return events.length >= count ? events : undefined;
    });
  }

  /** After a change that fails `policyName` wherever it applies: exactly one degraded event per (cluster, digest), as many open violations, nothing left due. */
  async function expectOneDegradedPerPair(policyName: string, policyId: string, clusterIds: string[], pairs: number): Promise<void> {
    const { rows } = await db.query(
      `SELECT data->>'clusterId' AS cluster, data->>'imageDigest' AS digest, count(*)::int AS n FROM events
        WHERE type = $1 AND data->'policies'->$2->>'change' = 'degraded' GROUP BY 1, 2`,
      [CHANGED, policyName],
    );
    expect(rows).toHaveLength(pairs);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    const open = await db.query(`SELECT count(*)::int AS n FROM violations WHERE policy_id = $1 AND state = 'open'`, [policyId]);
    expect(open.rows[0].n).toBe(pairs);
    const due = await db.query(`SELECT count(*)::int AS n FROM verification_targets WHERE cluster_id = ANY($1::uuid[]) AND (due_at IS NOT NULL OR verified_at IS NULL)`, [clusterIds]);
    expect(due.rows[0].n).toBe(0);
  }

  async function violations(query: string, token = acme.owner.token) {
    const res = await api.request('GET', `/v1/violations?${query}`, { token });
    expect(res.status).toBe(200);
    return res.body.items as any[];
  }

  beforeAll(async () => {
    registry = await startRegistry();
    Object.assign(images, {
      a: await push('cv/app-a', release),
      b: await push('cv/app-b', release),
      c: await push('cv/app-c', release),
      unsigned: await push('cv/unsigned'),
      doomed: await push('act/doomed'),
    });
    api = await ApiHarness.start(ENV);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    redis = new IORedis(TEST_REDIS_URL);
    acme = await createTenant(api, 'cv-acme');
    other = await createTenant(api, 'cv-other');
    // Sweeps at the default interval would only repeat what the triggers did; keep them out of the way.
    for (const t of [acme, other]) {
      const res = await api.request('PUT', '/v1/verification/schedule', { token: t.owner.token, body: { intervalSeconds: 3600 } });
      expect(res.status).toBe(200);
    }
    sink = await CloudEventsSink.start();
    const sub = await api.request('POST', '/v1/subscriptions', { token: acme.owner.token, body: { groupId: acme.rootGroupId, sink: sink.url, types: [CHANGED] } });
    expect(sub.status).toBe(201);
    sink.secret = sub.body.secret;
    await startWorker();
  }, 60_000);

  afterAll(async () => {
    await stopWorker();
    await db?.end();
    redis?.disconnect();
    await api?.stop();
    await sink?.stop();
    await registry?.stop();
  });

  it('turns a policy change into exactly one event per changed result, opens violations, and resolves them when fixed', async () => {
    const prod = await cluster('cv-prod');
    const signed = await policy('POST', imagePolicy('cv-signed', signedSpec(`${registry.host}/cv/app-*`, release)));
    await run(prod, [
      { uid: 'a1', workload: 'web', ...images.a },
      { uid: 'a2', workload: 'web', ...images.a },
      { uid: 'b1', workload: 'api', ...images.b },
    ]);
    // New observations of unverified digests are evaluated: one `new` per (image, policy).
    const first = await waitForEvents(prod.id, 2);
    expect(changesOf(first)).toEqual([`${images.a.digest.slice(-6)} cv-signed new true r1`, `${images.b.digest.slice(-6)} cv-signed new true r1`].sort());
    const web = first.find((e) => e.data.imageDigest === images.a.digest)!;
    expect(web.subject).toBe(`${registry.host}/cv/app-a@${images.a.digest}`);
    expect(web.data.workloads).toEqual([{ namespace: 'shop', kind: 'Deployment', name: 'web' }]);
    expect(await violations(`clusterId=${prod.id}`)).toEqual([]);

    // Revision 2 trusts another key: both running images now fail.
    await policy('PUT', imagePolicy('cv-signed', signedSpec(`${registry.host}/cv/app-*`, attacker)), signed.id);
    const degraded = await waitForEvents(prod.id, 4);
    expect(changesOf(degraded.slice(2))).toEqual([`${images.a.digest.slice(-6)} cv-signed degraded false r2`, `${images.b.digest.slice(-6)} cv-signed degraded false r2`].sort());
    const open = await until('two open violations', async () => {
      const items = await violations(`state=open&clusterId=${prod.id}`);
      return items.length === 2 ? items : undefined;
    });
    const forA = open.find((v) => v.image.digest === images.a.digest);
    expect(forA).toEqual(
      expect.objectContaining({
        clusterId: prod.id,
        policy: expect.objectContaining({ id: signed.id, name: 'cv-signed', revision: 2 }),
        image: { digest: images.a.digest, ref: images.a.ref },
        workloads: [{ namespace: 'shop', kind: 'Deployment', name: 'web' }],
        state: 'open',
        resolvedAt: null,
        reasons: [expect.stringContaining('cv-signed')],
      }),
    );
    const one = await api.request('GET', `/v1/violations/${forA.id}`, { token: acme.owner.token });
    expect(one.body).toEqual(expect.objectContaining({ id: forA.id, state: 'open' }));

    // Revision 3 fixes it: `improved`, and the violations resolve as passed.
    await policy('PUT', imagePolicy('cv-signed', signedSpec(`${registry.host}/cv/app-*`, release)), signed.id);
    const all = await waitForEvents(prod.id, 6);
    expect(changesOf(all.slice(4))).toEqual([`${images.a.digest.slice(-6)} cv-signed improved true r3`, `${images.b.digest.slice(-6)} cv-signed improved true r3`].sort());
    const resolved = await until('resolved violations', async () => {
      const items = await violations(`state=resolved&clusterId=${prod.id}`);
      return items.length === 2 ? items : undefined;
    });
    for (const v of resolved) expect(v).toEqual(expect.objectContaining({ state: 'resolved', resolution: 'passed', resolvedAt: expect.any(String) }));

    // Exactly once: nothing more arrives, ids are unique, and the sink got each event (deduplicated by delivery id).
    const ids = all.map((e) => e.id);
    await sink.waitFor(() => ids.every((id) => sink.received.some((r) => r.event.id === id)), 'all six events at the sink');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await changedEvents(prod.id)).length).toBe(6);
    expect(new Set(ids).size).toBe(6);
    expect(sink.rejected).toEqual([]);
    const atSink = sink.received.filter((r) => ids.includes(r.event.id));
    expect(new Set(atSink.map((r) => r.deliveryId)).size).toBe(new Set(atSink.map((r) => r.event.id)).size);
    // A policy revision is also a control-plane event.
    const { rows } = await db.query(`SELECT type, data->>'revision' AS revision FROM events WHERE type LIKE 'dev.vigil.policy.%' AND type <> $1 AND subject = $2 ORDER BY seq`, [CHANGED, signed.id]);
    expect(rows).toEqual([
      { type: 'dev.vigil.policy.created.v1', revision: '1' },
      { type: 'dev.vigil.policy.updated.v1', revision: '2' },
      { type: 'dev.vigil.policy.updated.v1', revision: '3' },
    ]);
  });

  it('evaluates a new digest when it is first observed, and resolves a violation when its image stops running', async () => {
    const stage = await cluster('cv-stage');
    await policy('POST', imagePolicy('cv-unsigned-banned', signedSpec(`${registry.host}/cv/unsigned*`, release)));
    await run(stage, [{ uid: 'u1', workload: 'legacy', ...images.unsigned }]);
    const [event] = await waitForEvents(stage.id, 1);
    expect(event.data.policies['cv-unsigned-banned']).toEqual(expect.objectContaining({ valid: false, change: 'new', revision: 1 }));
    const [violation] = await until('a violation', async () => {
      const items = await violations(`state=open&clusterId=${stage.id}`);
      return items.length === 1 ? items : undefined;
    });

    // A second, already-verified pod of the same digest is no new work; a new digest is.
    await run(stage, [{ uid: 'c1', workload: 'cart', ...images.c }]);
    const two = await waitForEvents(stage.id, 2);
    expect(changesOf(two.slice(1))).toEqual([`${images.c.digest.slice(-6)} cv-signed new true r3`]);

    await run(stage, [{ uid: 'u1', workload: 'legacy', op: 'delete', ...images.unsigned }]);
    const resolved = await until('the violation resolved', async () => {
      const res = await api.request('GET', `/v1/violations/${violation.id}`, { token: acme.owner.token });
      return res.body.state === 'resolved' ? res.body : undefined;
    });
    expect(resolved).toEqual(expect.objectContaining({ resolution: 'stopped-running', resolvedAt: expect.any(String) }));
    // The result itself did not change, so there is no event for it.
    expect((await changedEvents(stage.id)).length).toBe(2);
  });

  it('runs the response action: a delete-pods command the agent fetches and acknowledges, logged on the violation and in the audit log', async () => {
    const edge = await cluster('cv-edge');
    await policy('POST', imagePolicy('act-kill-unsigned', `${signedSpec(`${registry.host}/act/**`, release)}\nactions: [{type: deletePods}]`));
    await run(edge, [{ uid: 'd1', workload: 'doomed', ...images.doomed }]);
    const command = await until('a delete-pods command', async () => {
      const res = await edge.agent.send('GET', '/v1/agent/commands');
      return res.body.commands?.find((c: { type: string }) => c.type === 'delete-pods');
    });
    expect(command.params).toEqual({ namespace: 'shop', workload: { kind: 'Deployment', name: 'doomed' }, reason: expect.stringContaining("policy 'act-kill-unsigned' revision 1") });
    const ack = await edge.agent.send('POST', `/v1/agent/commands/${command.id}/ack`, { agentId: 'agent-1', outcome: 'succeeded', message: 'deleted 1 pod(s)', affectedCount: 1, completedAt: new Date().toISOString() });
    expect(ack.status).toBe(200);
    const [violation] = await violations(`state=open&clusterId=${edge.id}`);
    expect(violation.actions).toEqual([
      expect.objectContaining({ type: 'deletePods', commandId: command.id, workload: { namespace: 'shop', kind: 'Deployment', name: 'doomed' }, outcome: 'succeeded', message: 'deleted 1 pod(s)', ackedAt: expect.any(String) }),
    ]);
    const audit = await db.query(`SELECT action, object_id, actor_type, actor_id FROM audit_log WHERE org_id = $1 AND action IN ('violation.action.delete-pods', 'agent-command.ack') ORDER BY id`, [acme.orgId]);
    expect(audit.rows).toEqual([
      { action: 'violation.action.delete-pods', object_id: violation.id, actor_type: 'system', actor_id: 'response-action' },
      { action: 'agent-command.ack', object_id: command.id, actor_type: 'agent', actor_id: edge.id },
    ]);
  });

  it('shows verifications that cannot finish (registry down) as failures, not as violations', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const lab = await cluster('cv-lab');
    await policy('POST', imagePolicy('cv-dead-registry', signedSpec(`${dead}/**`, release)));
    await run(lab, [{ uid: 'x1', workload: 'ghost', ref: `${dead}/ghost/app:1`, digest: fakeDigest(99) }]);
    const failure = await until('a recorded failure', async () => {
      const res = await api.request('GET', `/v1/verification/failures?clusterId=${lab.id}`, { token: acme.owner.token });
      return res.body.items?.[0];
    });
    expect(failure).toEqual(expect.objectContaining({ clusterId: lab.id, imageDigest: fakeDigest(99), failures: 1, error: expect.stringContaining(dead), retryAt: expect.any(String) }));
    expect(await violations(`clusterId=${lab.id}`)).toEqual([]);
    expect(await changedEvents(lab.id)).toEqual([]);
  });

  it('keeps violations to their org and to the clusters a caller can see', async () => {
    const all = await violations('');
    expect(all.length).toBeGreaterThan(0);
    const foreign = await api.request('GET', `/v1/violations/${all[0].id}`, { token: other.owner.token });
    expect(foreign.status).toBe(404);
    expect(await violations('', other.owner.token)).toEqual([]);
    expect((await api.request('GET', '/v1/verification/failures', { token: other.owner.token })).body.items).toEqual([]);

    // A viewer of a sibling group sees none of the root group's clusters' violations.
    const team = await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name: 'cv-team' } });
    const viewer = await addMember(api, { orgId: acme.orgId, actingToken: acme.owner.token, homeGroupId: team.body.id, groupId: team.body.id, role: 'viewer', name: 'cv-viewer' });
    expect(await violations('', viewer.token)).toEqual([]);
    expect((await api.request('GET', `/v1/violations/${all[0].id}`, { token: viewer.token })).status).toBe(404);
    expect((await api.request('GET', '/v1/violations?state=closed', { token: acme.owner.token })).status).toBe(400);
    expect((await api.request('PUT', '/v1/verification/schedule', { token: viewer.token, body: { intervalSeconds: 60 } })).status).toBe(403);
  });

  it('loses nothing when a worker dies mid-sweep and Redis is flushed: the next worker finishes the work', async () => {
    const group = await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name: 'cv-fleet' } });
    const staticSpec = (action: 'pass' | 'fail') => `images: [{glob: "fleet.example/**"}]\nauthorities: [{static: {action: ${action}}}]`;
    const fleetPolicy = await policy('POST', imagePolicy('cv-fleet', staticSpec('pass')));
    const clusters = [];
    for (let i = 0; i < 6; i++) clusters.push(await cluster(`cv-fleet-${i}`, group.body.id));
    for (const c of clusters) await run(c, Array.from({ length: 4 }, (_, j) => ({ uid: `f${j}`, workload: `svc-${j}`, ref: `fleet.example/svc-${j}:1`, digest: fakeDigest(j) })));
    for (const c of clusters) await waitForEvents(c.id, 4);

    await stopWorker();
    await policy('PUT', imagePolicy('cv-fleet', staticSpec('fail')), fleetPolicy.id);
    const countDegraded = async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM events WHERE type = $1 AND data->'policies'->'cv-fleet'->>'change' = 'degraded'`, [CHANGED]);
      return rows[0].n as number;
    };
    await startWorker();
    await until('the first degraded event', async () => ((await countDegraded()) > 0 ? true : undefined));
    await stopWorker();
    const keys = await redis.keys(`${api.queuePrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await startWorker();

    await until('24 degraded events', async () => ((await countDegraded()) >= 24 ? true : undefined), 60_000);
    await new Promise((r) => setTimeout(r, 1500));
    await expectOneDegradedPerPair('cv-fleet', fleetPolicy.id, clusters.map((c) => c.id), 24);
  }, 120_000);

  it('verifies a change to the same digests in many clusters with few jobs, one event per transition, and loses nothing to a Redis flush mid-way', async () => {
    const group = await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name: 'cv-wide' } });
    const staticSpec = (action: 'pass' | 'fail') => `images: [{glob: "wide.example/**"}]\nauthorities: [{static: {action: ${action}}}]`;
    const widePolicy = await policy('POST', imagePolicy('cv-wide', staticSpec('pass')));
    const clusters = [];
    for (let i = 0; i < 25; i++) clusters.push(await cluster(`cv-wide-${i}`, group.body.id));
    // 25 clusters × 24 digests = 600 pairs: two jobs of at most 500, where per-cluster jobs made 25.
    for (const c of clusters) await run(c, Array.from({ length: 24 }, (_, j) => ({ uid: `w${j}`, workload: `wide-${j}`, ref: `wide.example/svc-${j}:1`, digest: fakeDigest(200 + j) })));
    const countChanges = async (change: string) => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM events WHERE type = $1 AND data->'policies'->'cv-wide'->>'change' = $2`, [CHANGED, change]);
      return rows[0].n as number;
    };
    await until('600 new results', async () => ((await countChanges('new')) >= 600 ? true : undefined), 60_000);

    // Count the multi-target verifications (one call per job attempt, patched on the prototype so
    // no job runs unseen); the first worker dies mid-way: one job completes, every other fails.
    const calls: { verified: number }[] = [];
    let started = 0;
    let crashed = 0;
    let crashing = true;
    const original = VerifyService.prototype.verifyTargets;
    const spy = jest.spyOn(VerifyService.prototype, 'verifyTargets').mockImplementation(async function (this: VerifyService, job) {
      if (crashing && started++ > 0) {
        crashed++;
        throw new Error('worker died');
      }
      const outcome = await original.call(this, job);
      calls.push(outcome);
      return outcome;
    });
    try {
      await stopWorker();
      await policy('PUT', imagePolicy('cv-wide', staticSpec('fail')), widePolicy.id);
      await startWorker();
      await until('one job done, the other lost', async () => (calls.length > 0 && crashed > 0 ? true : undefined), 30_000);
      await stopWorker();
      const degradedBefore = await countChanges('degraded');
      expect(degradedBefore).toBeGreaterThan(0);
      expect(degradedBefore).toBeLessThan(600);
      const keys = await redis.keys(`${api.queuePrefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      crashing = false;
      await startWorker();
      await until('600 degraded events', async () => ((await countChanges('degraded')) >= 600 ? true : undefined), 60_000);
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      spy.mockRestore();
      if (!worker) await startWorker();
    }
    await expectOneDegradedPerPair('cv-wide', widePolicy.id, clusters.map((c) => c.id), 600);
    // Every pair verified by a handful of jobs (one before the flush, the lost one's rebuild after it).
    expect(calls.reduce((n, c) => n + c.verified, 0)).toBeGreaterThanOrEqual(600);
    expect(calls.filter((c) => c.verified > 0).length).toBeLessThanOrEqual(4);
  }, 180_000);

  it('keeps a target due when a trigger lands after a verification read it, though markDue keeps the earlier due time', async () => {
    const c = await cluster('cv-race');
    const pair = { clusterId: c.id, digest: fakeDigest(400) };
    await run(c, [{ uid: 'r1', workload: 'race', ref: 'race.example/svc:1', digest: pair.digest }]);
    const state = async () => (await db.query(`SELECT due_at, verified_at FROM verification_targets WHERE cluster_id = $1 AND image_digest = $2`, [c.id, pair.digest])).rows[0];
    await until('the first verification', async () => ((await state())?.verified_at && !(await state()).due_at ? true : undefined));
    // No verify job runs meanwhile: this test plays the job's steps itself.
    const queue = worker!.get<Queue>(getQueueToken(QUEUE_NAMES.verify), { strict: false });
    const targets = worker!.get(VerificationTargetRepository, { strict: false });
    await queue.pause();
    try {
      await targets.markDue(acme.orgId, [pair]);
      const startedAt = await targets.clock(acme.orgId);
      const read = await targets.outstandingPairs(acme.orgId, [pair]);
      expect(read).toHaveLength(1);
      await targets.markDue(acme.orgId, [pair]); // a newer trigger: due_at stays the earlier one, before startedAt
      await targets.markVerifiedPairs(acme.orgId, read.map((t) => ({ ...t, token: 'stale' })), startedAt);
      expect((await state()).due_at).not.toBeNull();
      // Without a newer trigger the same steps clear it.
      const startedAgain = await targets.clock(acme.orgId);
      const again = await targets.outstandingPairs(acme.orgId, [pair]);
      await targets.markVerifiedPairs(acme.orgId, again.map((t) => ({ ...t, token: 'fresh' })), startedAgain);
      expect((await state()).due_at).toBeNull();
    } finally {
      await queue.resume();
    }
  });

  it('re-verifies everything running on the org schedule, spread out, without repeating unchanged results', async () => {
    const before = await db.query(`SELECT count(*)::int AS n FROM events WHERE type = $1 AND org_id = $2`, [CHANGED, acme.orgId]);
    const { rows: [{ now }] } = await db.query(`SELECT now()`);
    const res = await api.request('PUT', '/v1/verification/schedule', { token: acme.owner.token, body: { intervalSeconds: 10 } });
    expect(res.body).toEqual(expect.objectContaining({ intervalSeconds: 10 }));
    await until(
      'a sweep that re-verified every running image',
      async () => {
        const { rows } = await db.query(
          `SELECT count(*)::int AS stale FROM verification_targets t
            WHERE t.org_id = $1 AND EXISTS (SELECT 1 FROM observations o WHERE o.org_id = t.org_id AND o.cluster_id = t.cluster_id AND o.image_digest = t.image_digest AND o.running)
              AND (t.verified_at IS NULL OR t.verified_at <= $2) AND t.failed_at IS NULL`,
          [acme.orgId, now],
        );
        return rows[0].stale === 0 ? true : undefined;
      },
      40_000,
    );
    const schedule = await api.request('GET', '/v1/verification/schedule', { token: acme.owner.token });
    expect(Date.parse(schedule.body.lastSweepAt)).toBeGreaterThan(now.getTime());
    const after = await db.query(`SELECT count(*)::int AS n FROM events WHERE type = $1 AND org_id = $2`, [CHANGED, acme.orgId]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  }, 60_000);
});
