import { Client } from 'pg';
import { AgentClient } from '../support/agent-client';
import { ApiHarness } from '../support/api-harness';
import { addMember, createTenant, TenantFixture } from '../support/tenant-fixtures';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const T = (minutes: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, 0) + minutes * 60_000).toISOString();

interface PodSpec {
  uid: string;
  name?: string;
  namespace?: string;
  op?: 'upsert' | 'delete';
  at: string;
  containers: { name: string; image: string; digest: string; startedAt?: string; terminatedAt?: string; type?: 'container' | 'init' | 'ephemeral' }[];
  owner?: { kind: string; name: string };
}

function pod(p: PodSpec) {
  return {
    op: p.op ?? 'upsert',
    uid: p.uid,
    namespace: p.namespace ?? 'shop',
    name: p.name ?? `pod-${p.uid}`,
    node: 'node-1',
    owner: p.owner,
    observedAt: p.at,
    containers: p.containers.map((c) => ({ name: c.name, type: c.type ?? 'container', image: c.image, imageDigest: c.digest, startedAt: c.startedAt, terminatedAt: c.terminatedAt })),
  };
}

describe('inventory ingest and history', () => {
  let api: ApiHarness;
  let acme: TenantFixture;
  let other: TenantFixture;
  let clusterId: string;
  let agent: AgentClient;
  let sequence = 0;
  const agentId = 'agent-a';

  async function send(kind: 'delta' | 'snapshot', pods: PodSpec[], extra: Record<string, unknown> = {}, seq?: number) {
    const s = seq ?? ++sequence;
    return agent.send('POST', '/v1/agent/inventory', { agentId, sequence: s, kind, sentAt: pods[0]?.at ?? T(0), pods: pods.map(pod), ...extra });
  }

  async function containers(query: string, token = acme.owner.token) {
    const res = await api.request('GET', `/v1/inventory/containers?${query}`, { token });
    expect(res.status).toBe(200);
    return res.body.items as any[];
  }

  async function observationCount(): Promise<number> {
    const db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    const { rows } = await db.query('SELECT count(*)::int AS n FROM observations');
    await db.end();
    return rows[0].n;
  }

  beforeAll(async () => {
    api = await ApiHarness.start();
    acme = await createTenant(api, 'acme');
    other = await createTenant(api, 'other');
    const cluster = await api.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name: 'prod' } });
    clusterId = cluster.body.id;
    agent = await AgentClient.register(api, cluster.body.registrationToken);
  });
  afterAll(() => api.stop());

  it('records pods of a delta batch and shows what runs now (§9 payload)', async () => {
    const res = await send('delta', [
      { uid: 'p1', name: 'web-abc', at: T(0), owner: { kind: 'Deployment', name: 'web' }, containers: [{ name: 'nginx', image: 'nginx:1.25', digest: digest(1), startedAt: T(0) }] },
      { uid: 'p2', name: 'api-xyz', at: T(0), owner: { kind: 'Deployment', name: 'api' }, containers: [
        { name: 'app', image: 'ghcr.io/acme/api:2', digest: digest(2), startedAt: T(0) },
        { name: 'migrate', image: 'ghcr.io/acme/api:2', digest: digest(2), startedAt: T(0), terminatedAt: T(1), type: 'init' },
      ] },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ applied: true, duplicate: false, expectedSequence: 2, snapshotRequested: true }); // a new agent starts with a snapshot
    const now = await containers(`clusterId=${clusterId}`);
    expect(now.map((c) => `${c.pod}/${c.container}`).sort()).toEqual(['api-xyz/app', 'web-abc/nginx']);
    expect(now.find((c) => c.container === 'nginx')).toEqual(
      expect.objectContaining({ clusterId, namespace: 'shop', pod: 'web-abc', container: 'nginx', workload: { kind: 'Deployment', name: 'web' }, image: { ref: 'nginx:1.25', digest: digest(1) }, firstSeen: T(0), running: true }),
    );
    const ended = await containers('running=false');
    expect(ended.map((c) => c.container)).toEqual(['migrate']);
    expect(ended[0]).toEqual(expect.objectContaining({ firstSeen: T(0), lastSeen: T(1), running: false }));
  });

  it('applies a retried batch exactly once', async () => {
    const before = await observationCount();
    const retry = await send('delta', [{ uid: 'p9', at: T(2), containers: [{ name: 'x', image: 'busybox', digest: digest(9) }] }], {}, 1);
    expect(retry.body).toEqual({ applied: false, duplicate: true, expectedSequence: 2, snapshotRequested: false });
    expect(await observationCount()).toBe(before);
    expect(await containers(`image=${digest(9)}&running=all`)).toEqual([]);
  });

  it('accepts a gap, and asks for a snapshot', async () => {
    sequence += 2; // sequence 2 was lost on the way
    const res = await send('delta', [{ uid: 'p3', at: T(3), containers: [{ name: 'worker', image: 'ghcr.io/acme/worker:1', digest: digest(3) }] }]);
    expect(res.body).toEqual({ applied: true, duplicate: false, expectedSequence: sequence + 1, snapshotRequested: true });
    expect((await containers(`image=${digest(3)}`)).length).toBe(1);
  });

  it('closes, when a snapshot finishes, every interval the snapshot did not list', async () => {
    // p2 was deleted while the agent was away; the snapshot (two parts) lists p1 and p3 only.
    const part0 = await send('snapshot', [{ uid: 'p1', name: 'web-abc', at: T(10), owner: { kind: 'Deployment', name: 'web' }, containers: [{ name: 'nginx', image: 'nginx:1.25', digest: digest(1) }] }], { snapshot: { id: 'snap-1', part: 0, last: false } });
    expect(part0.body.applied).toBe(true);
    expect((await containers(`image=${digest(2)}`)).length).toBe(1); // not closed before the last part
    const part1 = await send('snapshot', [{ uid: 'p3', at: T(10), containers: [{ name: 'worker', image: 'ghcr.io/acme/worker:1', digest: digest(3) }] }], { snapshot: { id: 'snap-1', part: 1, last: true } });
    expect(part1.body).toEqual({ applied: true, duplicate: false, expectedSequence: sequence + 1, snapshotRequested: false });
    const now = await containers(`clusterId=${clusterId}`);
    expect(now.map((c) => c.pod).sort()).toEqual(['pod-p3', 'web-abc']);
    const closed = (await containers(`image=${digest(2)}&running=all`)).find((c) => c.container === 'app');
    expect(closed).toEqual(expect.objectContaining({ running: false, lastSeen: T(10) }));
  });

  it('answers ?at= across pod restarts, image updates and deletions', async () => {
    // p4 runs app:v1 from T(20); at T(30) the image is updated in place to v2;
    // at T(40) the pod is deleted; its replacement p5 starts at T(45).
    await send('delta', [{ uid: 'p4', name: 'shop-1', at: T(20), owner: { kind: 'StatefulSet', name: 'shop' }, containers: [{ name: 'app', image: 'acme/shop:v1', digest: digest(41), startedAt: T(20) }] }]);
    await send('delta', [{ uid: 'p4', name: 'shop-1', at: T(30), owner: { kind: 'StatefulSet', name: 'shop' }, containers: [{ name: 'app', image: 'acme/shop:v2', digest: digest(42), startedAt: T(30) }] }]);
    await send('delta', [{ uid: 'p4', name: 'shop-1', op: 'delete', at: T(40), containers: [] }]);
    await send('delta', [{ uid: 'p5', name: 'shop-1', at: T(45), owner: { kind: 'StatefulSet', name: 'shop' }, containers: [{ name: 'app', image: 'acme/shop:v2', digest: digest(42), startedAt: T(45) }] }]);

    const at = async (minute: number) =>
      (await containers(`workload=StatefulSet/shop&at=${encodeURIComponent(T(minute))}`)).map((c) => `${c.podUid}@${c.image.ref}`).sort();
    expect(await at(19)).toEqual([]);
    expect(await at(20)).toEqual(['p4@acme/shop:v1']);
    expect(await at(25)).toEqual(['p4@acme/shop:v1']);
    expect(await at(30)).toEqual(['p4@acme/shop:v2']);
    expect(await at(39)).toEqual(['p4@acme/shop:v2']);
    expect(await at(42)).toEqual([]);
    expect(await at(50)).toEqual(['p5@acme/shop:v2']);
    const history = await containers(`image=${digest(42)}&running=all`);
    expect(history.map((c) => [c.podUid, c.firstSeen, c.lastSeen, c.running])).toEqual([
      ['p4', T(30), T(40), false],
      ['p5', T(45), T(45), true],
    ]);
  });

  it('pages through results with a cursor and filters by namespace', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 20; i++) {
      const res: any = await api.request('GET', `/v1/inventory/containers?running=all&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: acme.owner.token });
      seen.push(...res.body.items.map((c: { id: string }) => c.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen.length).toBe(await observationCount());
    expect(new Set(seen).size).toBe(seen.length);
    expect(await containers('namespace=elsewhere&running=all')).toEqual([]);
  });

  it('pages through ?at= results with a cursor, ties in start time included', async () => {
    // Six containers started at the same instant, and the earlier ones still running at T(70).
    await send('delta', ['t1', 't2', 't3'].map((uid) => ({ uid, at: T(65), containers: [
      { name: 'a', image: 'acme/tie:1', digest: digest(90), startedAt: T(64) },
      { name: 'b', image: 'acme/tie:1', digest: digest(90), startedAt: T(64) },
    ] })));
    const all = await containers(`at=${encodeURIComponent(T(70))}&limit=1000`);
    expect(all.length).toBeGreaterThanOrEqual(6);
    const starts = all.map((c) => c.firstSeen);
    expect([...starts].sort().reverse()).toEqual(starts); // most recently started first
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const res: any = await api.request('GET', `/v1/inventory/containers?at=${encodeURIComponent(T(70))}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: acme.owner.token });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((c: { id: string }) => c.id));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(all.map((c) => c.id));
    const wrongShape = await api.request('GET', `/v1/inventory/containers?at=${encodeURIComponent(T(70))}&cursor=${Buffer.from('12').toString('base64url')}`, { token: acme.owner.token });
    expect(wrongShape.status).toBe(400);
  });

  it('shows running counts on the cluster', async () => {
    const res = await api.request('GET', `/v1/clusters/${clusterId}`, { token: acme.owner.token });
    expect(res.body.usage).toEqual({ runningPods: 6, runningContainers: 9, runningImages: 4 });
  });

  it('refuses bad batches with a 4xx and changes nothing', async () => {
    const before = await observationCount();
    const good = { agentId, sequence: sequence + 1, kind: 'delta', sentAt: T(60), pods: [pod({ uid: 'bad', at: T(60), containers: [{ name: 'c', image: 'x', digest: digest(77) }] })] };
    const cases: [string, unknown, RegExp][] = [
      ['wrong type', { ...good, sequence: 'seven' }, /sequence/],
      ['missing field', { ...good, pods: undefined }, /pods/],
      ['bad digest', { ...good, pods: [{ ...good.pods[0], containers: [{ ...good.pods[0].containers[0], imageDigest: 'sha256:xyz' }] }] }, /pods\[0\]\.containers\[0\]\.imageDigest/],
      ['md5 digest', { ...good, pods: [{ ...good.pods[0], containers: [{ ...good.pods[0].containers[0], imageDigest: `md5:${'a'.repeat(32)}` }] }] }, /imageDigest/],
      ['unknown field', { ...good, orgId: other.orgId }, /orgId/],
    ];
    for (const [what, body, field] of cases) {
      const res = await agent.send('POST', '/v1/agent/inventory', body);
      expect({ what, status: res.status }).toEqual({ what, status: 400 });
      expect(res.body.message).toMatch(field);
    }
    const notJson = await agent.send('POST', '/v1/agent/inventory', undefined, { tamper: (r) => { r.body = '{"agentId":'; r.headers['content-type'] = 'application/json'; } });
    expect([400, 401]).toContain(notJson.status); // the body no longer matches its signature either
    const huge = await api.request('POST', '/v1/agent/inventory', { rawBody: `{"pods":"${'x'.repeat(100 * 1024 * 1024)}"}`, headers: { 'content-type': 'application/json' } });
    expect(huge.status).toBe(413);
    expect(await observationCount()).toBe(before);
    // The sequence was not consumed by the refused batches.
    expect((await send('delta', [{ uid: 'ok', at: T(61), containers: [{ name: 'c', image: 'x', digest: digest(78) }] }])).body.applied).toBe(true);
  });

  it("keeps each org's inventory to itself", async () => {
    expect(await containers('running=all', other.owner.token)).toEqual([]);
    expect(await containers(`clusterId=${clusterId}&running=all`, other.owner.token)).toEqual([]);
    // "What ran at T" bypasses RLS for its index (a SECURITY DEFINER function): it must filter by org itself.
    expect((await containers(`at=${encodeURIComponent(T(50))}`)).length).toBeGreaterThan(0);
    expect(await containers(`at=${encodeURIComponent(T(50))}`, other.owner.token)).toEqual([]);
    expect((await api.request('GET', `/v1/clusters/${clusterId}`, { token: other.owner.token })).status).toBe(404);
    // A viewer of a sibling group sees nothing of clusters in another subtree.
    const team = await api.request('POST', '/v1/groups', { token: acme.owner.token, body: { parentId: acme.rootGroupId, name: 'team' } });
    const teamViewer = await addMember(api, { orgId: acme.orgId, actingToken: acme.owner.token, homeGroupId: team.body.id, groupId: team.body.id, role: 'viewer', name: 'team-viewer' });
    expect(await containers('running=all', teamViewer.token)).toEqual([]);
  });

  it('validates query parameters', async () => {
    for (const query of ['at=yesterday', 'running=maybe', 'clusterId=42', 'image=sha256:short', 'limit=5000', 'cursor=abc', `at=${T(1)}&running=true`]) {
      const res = await api.request('GET', `/v1/inventory/containers?${query}`, { token: acme.owner.token });
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
    }
  });
});
