import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FakeKubeApiServer, podFixture } from '../../tools/simulated-cluster';

jest.setTimeout(30_000);

const KUBECTL = '/usr/bin/kubectl';
const run = promisify(execFile);

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

/** Reads watch lines until `count` events arrived (or the stream ends). */
async function readWatch(url: string, count: number): Promise<{ status: number; events: any[] }> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  const events: any[] = [];
  if (res.status !== 200) return { status: res.status, events: [await res.json()] };
  const decoder = new TextDecoder();
  let buffer = '';
  const reader = res.body!.getReader();
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buffer.slice(0, nl)));
      buffer = buffer.slice(nl + 1);
    }
  }
  controller.abort();
  return { status: 200, events };
}

describe('fake kube-apiserver behaves like the real one for what the agent uses', () => {
  let kube: FakeKubeApiServer;
  beforeEach(async () => {
    kube = new FakeKubeApiServer();
    await kube.start();
    kube.pods.upsert(podFixture({ namespace: 'a', name: 'p1', containers: [{ name: 'c', image: 'i:1' }] }));
    kube.pods.upsert(podFixture({ namespace: 'b', name: 'p2', containers: [{ name: 'c', image: 'i:1' }] }));
  });
  afterEach(() => kube.stop());

  it('lists with a resourceVersion and pages with limit/continue', async () => {
    const first = await getJson(`${kube.url}/api/v1/pods?limit=1`);
    expect(first.body).toMatchObject({ kind: 'PodList', metadata: { resourceVersion: expect.any(String), continue: expect.any(String) } });
    expect(first.body.items).toHaveLength(1);
    const second = await getJson(`${kube.url}/api/v1/pods?limit=1&continue=${first.body.metadata.continue}`);
    expect(second.body.items.map((p: any) => p.metadata.name)).toEqual(['p2']);
    expect(second.body.metadata.continue).toBeUndefined();
    kube.pods.upsert(podFixture({ namespace: 'c', name: 'p3', containers: [] }));
    kube.compact();
    const expired = await getJson(`${kube.url}/api/v1/pods?limit=1&continue=${first.body.metadata.continue}`);
    expect(expired).toMatchObject({ status: 410, body: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('streams watch events from a resourceVersion, with bookmarks on request', async () => {
    const rv = (await getJson(`${kube.url}/api/v1/pods`)).body.metadata.resourceVersion;
    const watching = readWatch(`${kube.url}/api/v1/pods?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`, 4);
    await new Promise((r) => setTimeout(r, 50));
    kube.pods.upsert(podFixture({ namespace: 'a', name: 'p3', containers: [] }));
    kube.pods.upsert(podFixture({ namespace: 'a', name: 'p3', containers: [{ name: 'c', image: 'i:2' }] }));
    kube.pods.delete('a', 'p3');
    kube.sendBookmarks();
    const { events } = await watching;
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK']);
    expect(Number(events[3].object.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
  });

  it('answers a watch from compacted history with 410 (ERROR event, or HTTP 410)', async () => {
    kube.compact();
    const asEvent = await readWatch(`${kube.url}/api/v1/pods?watch=true&resourceVersion=1`, 1);
    expect(asEvent.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    kube.expiredWatchMode = 'http-410';
    const asHttp = await readWatch(`${kube.url}/api/v1/pods?watch=true&resourceVersion=1`, 1);
    expect(asHttp.status).toBe(410);
  });

  it('deletes a pod and answers 404 for a missing one', async () => {
    const del = await fetch(`${kube.url}/api/v1/namespaces/a/pods/p1`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect((await fetch(`${kube.url}/api/v1/namespaces/a/pods/p1`, { method: 'DELETE' })).status).toBe(404);
    expect(kube.pods.list().map((p) => p.metadata.name)).toEqual(['p2']);
  });

  // The real kubectl keeps the fake honest (ISSUE 4); it is installed on these machines and CI.
  it('is readable by the real kubectl: get -A -o json and --watch', async () => {
    expect(existsSync(KUBECTL)).toBe(true);
    const { stdout } = await run(KUBECTL, ['--server', kube.url, 'get', 'pods', '-A', '-o', 'json']);
    expect(JSON.parse(stdout).items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['a/p1', 'b/p2']);

    const watch = spawn(KUBECTL, ['--server', kube.url, 'get', 'pods', '-A', '--watch', '--output-watch-events', '-o', 'json']);
    let out = '';
    watch.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const seen = async (pattern: RegExp) => {
        while (!pattern.test(out)) await new Promise((r) => setTimeout(r, 25));
      };
      await seen(/"p2"[^\n]*\n/);
      kube.pods.upsert(podFixture({ namespace: 'a', name: 'from-watch', containers: [] }));
      await seen(/"from-watch"[^\n]*\n/);
      const events = out.trim().split('\n').map((l) => JSON.parse(l));
      expect(events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual(['ADDED:p1', 'ADDED:p2', 'ADDED:from-watch']);
    } finally {
      watch.kill();
    }
  });

  describe('secrets (the agent\'s shared credential): create is atomic, update is compare-and-swap', () => {
    const secretsUrl = () => `${kube.url}/api/v1/namespaces/vigil-system/secrets`;
    const send = async (method: string, url: string, body: unknown, type = 'application/json') => {
      const res = await fetch(url, { method, headers: { 'content-type': type }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as any };
    };
    const secret = (extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cred' }, stringData: { 'credential.json': '{"a":1}' }, ...extra });

    it('creates once (201, stringData stored as base64 data) and answers 409 AlreadyExists after', async () => {
      const created = await send('POST', secretsUrl(), secret());
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ kind: 'Secret', type: 'Opaque', metadata: { name: 'cred', namespace: 'vigil-system', resourceVersion: expect.any(String), uid: expect.any(String) } });
      expect(created.body.stringData).toBeUndefined();
      expect(Buffer.from(created.body.data['credential.json'], 'base64').toString()).toBe('{"a":1}');
      const again = await send('POST', secretsUrl(), secret());
      expect(again).toMatchObject({ status: 409, body: { kind: 'Status', code: 409, reason: 'AlreadyExists', message: 'secrets "cred" already exists', details: { name: 'cred', kind: 'secrets' } } });
      const read = await getJson(`${secretsUrl()}/cred`);
      expect(read.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
    });

    it('of concurrent creates exactly one wins', async () => {
      const results = await Promise.all([1, 2, 3, 4].map((n) => send('POST', secretsUrl(), secret({ stringData: { n: String(n) } }))));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    });

    it('updates with the current resourceVersion, refuses a stale one (409 Conflict), 404 for a missing Secret', async () => {
      const created = (await send('POST', secretsUrl(), secret())).body;
      const updated = await send('PUT', `${secretsUrl()}/cred`, { ...created, data: { 'credential.json': Buffer.from('{"b":2}').toString('base64') } });
      expect(updated.status).toBe(200);
      expect(Number(updated.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
      expect(updated.body.metadata.uid).toBe(created.metadata.uid);
      const stale = await send('PUT', `${secretsUrl()}/cred`, created);
      expect(stale).toMatchObject({ status: 409, body: { reason: 'Conflict', message: expect.stringContaining('the object has been modified') } });
      const missing = await send('PUT', `${secretsUrl()}/other`, { ...secret(), metadata: { name: 'other' } });
      expect(missing).toMatchObject({ status: 404, body: { reason: 'NotFound' } });
    });

    it('validates like the apiserver: namespace and name must match the URL, data must be base64, JSON only', async () => {
      expect((await send('POST', secretsUrl(), secret({ metadata: { name: 'cred', namespace: 'elsewhere' } }))).status).toBe(400);
      expect((await send('POST', secretsUrl(), secret({ metadata: { name: 'Not_A_Name' } }))).status).toBe(422);
      expect((await send('POST', secretsUrl(), { ...secret(), stringData: undefined, data: { k: 'not base64!' } })).status).toBe(400);
      expect((await send('POST', secretsUrl(), secret(), 'application/vnd.kubernetes.protobuf')).status).toBe(415);
      await send('POST', secretsUrl(), secret());
      expect((await send('PUT', `${secretsUrl()}/cred`, { ...secret(), metadata: { name: 'other' } })).status).toBe(400);
    });

    it('is written and read by the real kubectl: create -f, AlreadyExists, get, replace with a stale resourceVersion', async () => {
      expect(existsSync(KUBECTL)).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'fake-kube-secret-'));
      const file = join(dir, 'secret.json');
      writeFileSync(file, JSON.stringify({ ...secret(), metadata: { name: 'cred', namespace: 'vigil-system' } }));
      // --validate=false: the fake serves no OpenAPI document for client-side validation.
      const kubectl = (...args: string[]) => run(KUBECTL, ['--server', kube.url, '--validate=false', ...args]).then((r) => ({ code: 0, out: r.stdout }), (e) => ({ code: e.code as number, out: String(e.stderr) }));
      expect(await kubectl('create', '-f', file)).toMatchObject({ code: 0, out: expect.stringContaining('secret/cred created') });
      expect(await kubectl('create', '-f', file)).toMatchObject({ code: 1, out: expect.stringContaining('Error from server (AlreadyExists)') });
      const got = JSON.parse((await run(KUBECTL, ['--server', kube.url, 'get', 'secret', 'cred', '-n', 'vigil-system', '-o', 'json'])).stdout);
      expect(Buffer.from(got.data['credential.json'], 'base64').toString()).toBe('{"a":1}');
      kube.secrets.upsert({ ...got, metadata: { ...got.metadata } }); // another writer bumps it
      writeFileSync(file, JSON.stringify(got));
      expect(await kubectl('replace', '-f', file)).toMatchObject({ code: 1, out: expect.stringContaining('Error from server (Conflict)') });
      const current = JSON.parse((await run(KUBECTL, ['--server', kube.url, 'get', 'secret', 'cred', '-n', 'vigil-system', '-o', 'json'])).stdout);
      writeFileSync(file, JSON.stringify({ ...current, data: { 'credential.json': Buffer.from('{"c":3}').toString('base64') } }));
      expect(await kubectl('replace', '-f', file)).toMatchObject({ code: 0, out: expect.stringContaining('secret/cred replaced') });
    });
  });
  describe('leases (the agent\'s leader election): MicroTime, create race, compare-and-swap, faults', () => {
    const leasesUrl = () => `${kube.url}/apis/coordination.k8s.io/v1/namespaces/vigil-system/leases`;
    const send = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as any };
    };
    const lease = (spec: Record<string, unknown> = {}) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'vigil-agent' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: '2026-12-03T07:00:00.000000Z', renewTime: '2026-12-03T07:00:00.000000Z', leaseTransitions: 0, ...spec },
    });

    it('404 NotFound with a Status body, 201 on create, 409 AlreadyExists on a second create', async () => {
      const missing = await send('GET', `${leasesUrl()}/vigil-agent`);
      expect(missing).toMatchObject({ status: 404, body: { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 } });
      const created = await send('POST', leasesUrl(), lease());
      expect(created).toMatchObject({ status: 201, body: { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { name: 'vigil-agent', namespace: 'vigil-system', resourceVersion: expect.any(String) }, spec: { holderIdentity: 'a', renewTime: '2026-12-03T07:00:00.000000Z' } } });
      const again = await send('POST', leasesUrl(), lease({ holderIdentity: 'b' }));
      expect(again).toMatchObject({ status: 409, body: { kind: 'Status', reason: 'AlreadyExists', code: 409, message: 'leases.coordination.k8s.io "vigil-agent" already exists', details: { name: 'vigil-agent', group: 'coordination.k8s.io', kind: 'leases' } } });
    });

    it('of concurrent creates exactly one wins', async () => {
      const results = await Promise.all(['a', 'b', 'c'].map((h) => send('POST', leasesUrl(), lease({ holderIdentity: h }))));
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    });

    it('updates with the current resourceVersion and refuses a stale one (409 Conflict); keeps the history', async () => {
      const created = (await send('POST', leasesUrl(), lease())).body;
      const renewed = await send('PUT', `${leasesUrl()}/vigil-agent`, { ...created, spec: { ...created.spec, renewTime: '2026-12-03T07:00:02.500000Z' } });
      expect(renewed.status).toBe(200);
      const stale = await send('PUT', `${leasesUrl()}/vigil-agent`, { ...created, spec: { ...created.spec, holderIdentity: 'b' } });
      expect(stale).toMatchObject({ status: 409, body: { kind: 'Status', reason: 'Conflict', code: 409, message: expect.stringContaining('Operation cannot be fulfilled on leases.coordination.k8s.io "vigil-agent"') } });
      expect(kube.leaseHistory.map((h) => [h.holderIdentity, h.renewTime])).toEqual([
        ['a', '2026-12-03T07:00:00.000000Z'],
        ['a', '2026-12-03T07:00:02.500000Z'],
      ]);
    });

    it('refuses a MicroTime without six fractional digits (400, as Go\'s RFC3339Micro parse) and a non-positive duration (422)', async () => {
      expect((await send('POST', leasesUrl(), lease({ renewTime: '2026-12-03T07:00:00.123Z' }))).status).toBe(400);
      expect((await send('POST', leasesUrl(), lease({ acquireTime: '2026-12-03T07:00:00Z' }))).status).toBe(400);
      expect((await send('POST', leasesUrl(), lease({ leaseDurationSeconds: 0 }))).status).toBe(422);
      const offset = await send('POST', leasesUrl(), lease({ renewTime: '2026-12-03T08:00:00.000001+01:00' }));
      expect(offset).toMatchObject({ status: 201, body: { spec: { renewTime: '2026-12-03T07:00:00.000001Z' } } });
    });

    it('fails chosen requests: an error Status, a reset connection, a request never answered', async () => {
      await send('POST', leasesUrl(), lease());
      kube.fault = (r) => (r.method === 'PUT' && r.body?.spec ? { kind: 'status', code: 500, reason: 'InternalError' } : undefined);
      expect((await send('PUT', `${leasesUrl()}/vigil-agent`, lease())).status).toBe(500);
      expect((await send('GET', `${leasesUrl()}/vigil-agent`)).status).toBe(200);
      kube.fault = () => ({ kind: 'reset' });
      await expect(fetch(`${leasesUrl()}/vigil-agent`)).rejects.toThrow();
      kube.fault = () => ({ kind: 'hang' });
      await expect(fetch(`${leasesUrl()}/vigil-agent`, { signal: AbortSignal.timeout(200) })).rejects.toThrow(/abort|timeout/i);
      kube.fault = undefined;
    });

    it('is written and read by the real kubectl: create -f, get -A -o json, replace with a stale resourceVersion', async () => {
      expect(existsSync(KUBECTL)).toBe(true);
      const dir = mkdtempSync(join(tmpdir(), 'fake-kube-lease-'));
      const file = join(dir, 'lease.json');
      writeFileSync(file, JSON.stringify({ ...lease(), metadata: { name: 'vigil-agent', namespace: 'vigil-system' } }));
      const kubectl = (...args: string[]) => run(KUBECTL, ['--server', kube.url, '--validate=false', ...args]).then((r) => ({ code: 0, out: r.stdout }), (e) => ({ code: e.code as number, out: String(e.stderr) }));
      expect(await kubectl('create', '-f', file)).toMatchObject({ code: 0, out: expect.stringContaining('lease.coordination.k8s.io/vigil-agent created') });
      expect(await kubectl('create', '-f', file)).toMatchObject({ code: 1, out: expect.stringContaining('Error from server (AlreadyExists)') });
      const all = JSON.parse((await run(KUBECTL, ['--server', kube.url, 'get', 'leases', '-A', '-o', 'json'])).stdout);
      expect(all.items).toHaveLength(1);
      expect(all.items[0]).toMatchObject({ kind: 'Lease', metadata: { namespace: 'vigil-system', name: 'vigil-agent' }, spec: { holderIdentity: 'a', renewTime: '2026-12-03T07:00:00.000000Z' } });
      const got = all.items[0];
      kube.leases.upsert({ ...got, metadata: { ...got.metadata } }); // another candidate renewed it
      writeFileSync(file, JSON.stringify({ ...got, spec: { ...got.spec, holderIdentity: 'b' } }));
      expect(await kubectl('replace', '-f', file)).toMatchObject({ code: 1, out: expect.stringContaining('Error from server (Conflict)') });
    });
  });
});
