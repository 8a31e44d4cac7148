import pino from 'pino';
import type { PodDelta } from '@vigil/agent-protocol';
import { createAgentMetrics, AgentMetrics } from '../../apps/agent/src/health/agent-metrics';
import { InventoryQueue } from '../../apps/agent/src/inventory/inventory-queue';
import { InventorySender } from '../../apps/agent/src/inventory/inventory-sender';
import { PlatformClient } from '../../apps/agent/src/platform-client/platform-client';
import { AgentPlatformDouble } from '../../tools/simulated-cluster';

const pod = (uid: string, digest = `sha256:${'a'.repeat(64)}`): PodDelta => ({
  op: 'upsert',
  uid,
  namespace: 'shop',
  name: `pod-${uid}`,
  observedAt: new Date().toISOString(),
  containers: [{ name: 'app', type: 'container', image: 'registry.example.com/web:1', imageDigest: digest }],
});

/**
 * The sender's answer to the platform's fencing (a 409 to a batch of a
 * superseded leader term), against the platform test double over HTTP: it
 * stops for good and drops its queue, where other refusals keep their old
 * handling.
 */
describe('inventory sender and leader-term fencing (platform test double)', () => {
  let platform: AgentPlatformDouble;
  let client: PlatformClient;
  let metrics: AgentMetrics;
  const log = pino({ level: 'silent' });

  beforeEach(async () => {
    platform = new AgentPlatformDouble();
    await platform.start();
    metrics = createAgentMetrics();
    client = new PlatformClient(platform.url, metrics, log);
    client.useCredential(platform.mintCredential());
  });
  afterEach(async () => {
    await client.close();
    await platform.stop();
  });

  const senderOf = (queue: InventoryQueue, term: number | undefined, health: Array<{ ok: boolean; detail?: string }>, pods: PodDelta[] = [], agentId = 'replica-a') =>
    new InventorySender(queue, client, metrics, log, {
      agentId,
      term,
      flushMs: 50,
      timeoutMs: 2000,
      currentPods: () => pods,
      onHealth: (ok, detail) => void health.push({ ok, detail }),
    });
  const superseded = async () => (await metrics.registry.getSingleMetric('vigil_agent_inventory_superseded_total')!.get()).values[0]?.value ?? 0;

  it('sends its term in every batch, deltas and snapshot parts', async () => {
    const queue = new InventoryQueue(100);
    const sender = senderOf(queue, 7, [], [pod('p1')]);
    queue.requestSnapshot();
    queue.push(pod('p2'));
    await sender.tick();
    expect(platform.batches.map((b) => [b.kind, b.term])).toEqual([['snapshot', 7], ['delta', 7]]);
    expect(platform.highestTerm).toBe(7);
  });

  it('on a 409 for a superseded term stops sending, drops its queue, counts it and says why, instead of retrying', async () => {
    platform.highestTerm = 4; // a newer leader has sent inventory
    const queue = new InventoryQueue(100);
    const health: Array<{ ok: boolean; detail?: string }> = [];
    const sender = senderOf(queue, 3, health, [pod('p1')]);
    queue.push(pod('p1'));
    queue.push(pod('p2'));
    queue.requestSnapshot();
    await sender.tick();
    expect(platform.supersededBatches.map((b) => b.term)).toEqual([3]); // one attempt, not a retry loop
    expect(platform.batches).toEqual([]);
    expect(queue.size).toBe(0);
    expect(queue.snapshotPending).toBe(false);
    expect(sender.superseded).toBe(true);
    expect(await superseded()).toBe(1);
    expect(health.at(-1)).toEqual({ ok: false, detail: expect.stringContaining('inventory batch of leader term 3 is superseded by term 4') });

    // Later deltas (the informer may run until the lease tells this replica it lost) go nowhere.
    queue.push(pod('p3'));
    await sender.tick();
    await sender.tick();
    expect(platform.supersededBatches).toHaveLength(1);
    expect(platform.batches).toEqual([]);
  });

  it('the same or a higher term is accepted; without a term (leader election off) nothing is fenced and no term is sent', async () => {
    platform.highestTerm = 4;
    const same = new InventoryQueue(100);
    same.push(pod('p1'));
    await senderOf(same, 4, []).tick();
    const none = new InventoryQueue(100);
    none.push(pod('p2'));
    await senderOf(none, undefined, [], [], 'single-replica').tick();
    expect(platform.batches.map((b) => ('term' in b ? b.term : 'absent'))).toEqual([4, 'absent']);
    expect(platform.supersededBatches).toEqual([]);
    expect(await superseded()).toBe(0);
  });

  it('keeps the old handling of other refusals: a 400 drops the batch, asks for a snapshot and goes on', async () => {
    const queue = new InventoryQueue(100);
    const sender = senderOf(queue, 2, [], [pod('p1')]);
    queue.push(pod('bad', 'sha256:not-a-digest'));
    await sender.tick();
    expect(platform.rejected).toHaveLength(1);
    expect(sender.superseded).toBe(false);
    // It went on with the snapshot the refusal asked for (the double may ask for another: the refused number is a gap).
    expect(platform.batches[0]).toMatchObject({ kind: 'snapshot', term: 2, pods: [{ uid: 'p1' }] });
  });
});
