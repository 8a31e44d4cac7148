import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { FakeKubeApiServer, podFixture } from '../support/fake-kube-apiserver';

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
});
