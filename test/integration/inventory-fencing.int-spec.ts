import { Client } from 'pg';
import { AgentClient } from '../support/agent-client';
import { ApiHarness } from '../support/api-harness';
import { createTenant, TenantFixture } from '../support/tenant-fixtures';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const T = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, 0) + minutes * 60_000).toISOString();

function pod(uid: string, at: string, op: 'upsert' | 'delete' = 'upsert') {
  return {
    op,
    uid,
    namespace: 'shop',
    name: `pod-${uid}`,
    node: 'node-1',
    owner: { kind: 'Deployment', name: 'web' },
    observedAt: at,
    containers: [{ name: 'app', type: 'container', image: 'ghcr.io/acme/web:1', imageDigest: digest(1), startedAt: T(0) }],
  };
}

/**
 * Fencing of inventory batches by leader term (the agent Lease's
 * leaseTransitions): a deposed leader's late batch must not overwrite what the
 * new leader reported.
 */
describe('inventory fencing by leader term', () => {
  let api: ApiHarness;
  let acme: TenantFixture;
  let clusterId: string;
  let agent: AgentClient;
  let db: Client;
  const sequences = new Map<string, number>();

  /** A batch of `agentId` with its next sequence number (the number is only consumed when accepted). */
  async function send(agentId: string, term: number | undefined, pods: unknown[], kind: 'delta' | 'snapshot' = 'delta', client = agent) {
    const sequence = (sequences.get(agentId) ?? 0) + 1;
    const body: Record<string, unknown> = { agentId, sequence, kind, sentAt: T(1), pods };
    if (kind === 'snapshot') body.snapshot = { id: `snap-${agentId}-${sequence}`, part: 0, last: true };
    if (term !== undefined) body.term = term;
    const res = await client.send('POST', '/v1/agent/inventory', body);
    if (res.status === 200) sequences.set(agentId, sequence);
    return res;
  }

  const observations = async () =>
    (await db.query(`SELECT pod_uid, container_name, first_seen, last_seen, running FROM observations WHERE cluster_id = $1 ORDER BY pod_uid`, [clusterId])).rows;
  const agentStates = async () =>
    (await db.query(`SELECT agent_id, last_sequence FROM agent_inventory_state WHERE cluster_id = $1 ORDER BY agent_id`, [clusterId])).rows;
  const highestTerm = async (cluster = clusterId) =>
    (await db.query(`SELECT term FROM inventory_leader_terms WHERE cluster_id = $1`, [cluster])).rows[0]?.term as number | undefined;

  beforeAll(async () => {
    api = await ApiHarness.start();
    acme = await createTenant(api, 'fence');
    const cluster = await api.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name: 'prod' } });
    clusterId = cluster.body.id;
    agent = await AgentClient.register(api, cluster.body.registrationToken);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db.end();
    await api.stop();
  });

  it('refuses a late batch of a deposed leader (term 2 after term 3) with 409 and changes nothing', async () => {
    // The old leader (term 2) reports p1 running; the new leader (term 3, another replica) reports it deleted.
    expect((await send('old-leader', 2, [pod('p1', T(1))], 'snapshot')).status).toBe(200);
    expect((await send('new-leader', 3, [pod('p1', T(2), 'delete')])).status).toBe(200);
    const before = await observations();
    expect(before).toEqual([expect.objectContaining({ pod_uid: 'p1', running: false })]);
    const statesBefore = await agentStates();

    // The old leader's last batch, in flight during the hand-over, lands late: it would mark p1 running again.
    const late = await send('old-leader', 2, [pod('p1', T(1)), pod('p2', T(1))]);
    expect(late.status).toBe(409);
    expect(late.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'inventory batch of leader term 2 is superseded by term 3' });
    expect(await observations()).toEqual(before);
    expect(await agentStates()).toEqual(statesBefore);
    expect(await highestTerm()).toBe(3);

    // A replica never seen before, of an old term, leaves no agent row either (the transaction rolls back).
    expect((await send('older-still', 1, [pod('p3', T(1))], 'snapshot')).status).toBe(409);
    expect(await agentStates()).toEqual(statesBefore);
    expect(await observations()).toEqual(before);
  });

  it('accepts the same term again and a higher term, which then fences the lower one', async () => {
    expect((await send('new-leader', 3, [pod('p4', T(3))])).status).toBe(200);
    expect(await highestTerm()).toBe(3);
    expect((await send('third-leader', 4, [pod('p4', T(4))], 'snapshot')).status).toBe(200);
    expect(await highestTerm()).toBe(4);
    const refused = await send('new-leader', 3, [pod('p4', T(5), 'delete')]);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe('inventory batch of leader term 3 is superseded by term 4');
    expect((await observations()).find((o) => o.pod_uid === 'p4')).toMatchObject({ running: true });
  });

  it('accepts batches without a term (leader election off, older agents) and leaves the term as it was', async () => {
    const res = await send('no-election', undefined, [pod('p5', T(6))], 'snapshot');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: true });
    expect(await highestTerm()).toBe(4);
  });

  it('keeps terms per cluster: another cluster starts from nothing', async () => {
    const cluster = await api.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name: 'staging' } });
    const other = await AgentClient.register(api, cluster.body.registrationToken);
    expect((await send('staging-leader', 0, [pod('s1', T(1))], 'snapshot', other)).status).toBe(200);
    expect(await highestTerm(cluster.body.id)).toBe(0);
    expect(await highestTerm()).toBe(4);
  });

  it('serialises batches of two terms on the cluster term row: a batch waiting behind a higher term is refused', async () => {
    // Hold the term row as a concurrent ingest of term 6 would, send a term 5 batch, then commit term 6.
    const holder = new Client({ connectionString: api.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT term FROM inventory_leader_terms WHERE cluster_id = $1 FOR UPDATE`, [clusterId]);
      const pending = send('third-leader', 5, [pod('p6', T(7))]);
      // Wait until the ingest is blocked on our lock (not merely not yet arrived).
      for (let i = 0; ; i++) {
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%inventory_leader_terms%'`);
        if (rows[0].n > 0) break;
        if (i > 200) throw new Error('the ingest never waited on the term row');
        await new Promise((r) => setTimeout(r, 25));
      }
      await holder.query(`UPDATE inventory_leader_terms SET term = 6 WHERE cluster_id = $1`, [clusterId]);
      await holder.query('COMMIT');
      const res = await pending;
      expect(res.status).toBe(409);
      expect(res.body.message).toBe('inventory batch of leader term 5 is superseded by term 6');
      expect((await observations()).find((o) => o.pod_uid === 'p6')).toBeUndefined();
    } finally {
      await holder.end();
    }
  });
});
