import type { INestApplicationContext } from '@nestjs/common';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { AdvisoryFeedService } from '../../libs/advisories/src';
import { ApiHarness, TEST_ADMIN_TOKEN } from '../support/api-harness';
import { startWorker, until } from '../support/worker-harness';
import { writeZip } from '../support/zip-writer';

// Scheduled OSV feed fetch (VIGIL_ADVISORY_FEEDS) in a real worker, against a
// real local HTTP server serving the OSV records of ../shared/data.

const DATA = resolve(__dirname, '../../../shared/data/osv');
const file = (p: string) => readFileSync(resolve(DATA, p));
const MAX_BYTES = 64 * 1024;

/** The feed server: fixed bodies per path, ETag/If-None-Match on the zip, and a log of what was asked. */
class FeedServer {
  readonly requests: { path: string; headers: IncomingHttpHeaders }[] = [];
  private server!: Server;
  private readonly zip = writeZip(['npm/GHSA-93q8-gq69-wqmw.json', 'npm/GHSA-c2qf-rxjj-qqgw.json', 'pypi/PYSEC-2021-98.json'].map((p) => ({ name: p.split('/')[1], data: file(p) })));

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.requests.push({ path: req.url ?? '', headers: req.headers });
      switch (req.url) {
        case '/osv/alpine.json':
          if (req.headers['if-modified-since'] === 'Wed, 01 Jan 2025 00:00:00 GMT') return res.writeHead(304).end();
          return res.writeHead(200, { 'content-type': 'application/json', 'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT' }).end(file('alpine/ALPINE-CVE-2025-26519.json'));
        case '/osv/all.zip':
          if (req.headers['if-none-match'] === '"zip-v1"') return res.writeHead(304).end();
          return res.writeHead(200, { 'content-type': 'application/zip', etag: '"zip-v1"' }).end(this.zip);
        case '/osv/mixed.json': // one good record, one without `modified`: the same per-record rejection as the API
          return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([JSON.parse(file('go/GO-2021-0053.json').toString()), { id: 'BAD-FEED-1', affected: [] }]));
        case '/osv/broken':
          return res.writeHead(500).end('upstream trouble');
        case '/osv/garbage':
          return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.from('this is not OSV at all \u0000\u0001'));
        case '/osv/huge': // chunked, no length: the limit must be counted
          res.writeHead(200, { 'content-type': 'application/json' });
          for (let i = 0; i < 40; i++) res.write('x'.repeat(4096));
          return res.end();
        default:
          return res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/osv/${path}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe('scheduled advisory feeds', () => {
  let api: ApiHarness;
  let feeds: FeedServer;
  let worker: INestApplicationContext | undefined;
  const admin = { token: TEST_ADMIN_TOKEN };
  const status = async () => (await api.request('GET', '/v1/advisory-feeds', admin)).body as { intervalSeconds: number; items: any[] };
  const feed = async (path: string) => (await status()).items.find((i) => i.url === feeds.url(path));
  const workerEnv = (urls: string[], extra: Record<string, string> = {}) => ({
    VIGIL_ADVISORY_FEEDS: urls.join(','),
    VIGIL_ADVISORY_FEED_INTERVAL_SECONDS: '3600', // the scheduler's first run is at once; later ones are asked for below
    VIGIL_ADVISORY_FEED_MAX_BYTES: String(MAX_BYTES),
    VIGIL_ADVISORY_FEED_TIMEOUT_MS: '5000',
    VIGIL_ALLOW_PRIVATE_TARGETS: 'true',
    ...extra,
  });

  beforeAll(async () => {
    feeds = await new FeedServer().start();
    const all = ['alpine.json', 'all.zip', 'mixed.json', 'broken', 'garbage', 'huge'].map((p) => feeds.url(p));
    api = await ApiHarness.start({ VIGIL_ADVISORY_FEEDS: all.join(','), VIGIL_ADVISORY_FEED_INTERVAL_SECONDS: '3600' });
  });

  afterAll(async () => {
    await worker?.close();
    await api?.stop();
    await feeds?.stop();
  });

  it('fetches every feed on schedule, imports the good ones through the import path and records each outcome', async () => {
    const all = ['alpine.json', 'all.zip', 'mixed.json', 'broken', 'garbage', 'huge'].map((p) => feeds.url(p));
    worker = await startWorker(api, workerEnv(all));
    await until('every feed checked', async () => ((await status()).items.every((i) => i.lastCheckedAt) ? true : undefined));

    const db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    const { rows } = await db.query(`SELECT id FROM advisories ORDER BY id`).finally(() => db.end());
    expect(rows.map((r) => r.id)).toEqual(['ALPINE-CVE-2025-26519', 'GHSA-93q8-gq69-wqmw', 'GHSA-c2qf-rxjj-qqgw', 'GO-2021-0053', 'PYSEC-2021-98']);

    expect(await feed('alpine.json')).toEqual(expect.objectContaining({ lastSuccessAt: expect.any(String), lastError: null, lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT', lastResult: expect.objectContaining({ imported: 1 }) }));
    expect(await feed('all.zip')).toEqual(expect.objectContaining({ etag: '"zip-v1"', lastResult: expect.objectContaining({ imported: 3, rejectedTotal: 0 }) }));
    expect((await feed('mixed.json')).lastResult).toEqual(expect.objectContaining({ imported: 1, rejectedTotal: 1, rejected: [{ id: 'BAD-FEED-1', error: expect.stringMatching(/modified/) }] }));
    expect(await feed('broken')).toEqual(expect.objectContaining({ lastSuccessAt: null, lastError: 'answered HTTP 500', consecutiveFailures: expect.any(Number) }));
    expect((await feed('garbage')).lastError).toMatch(/neither a zip archive nor valid JSON/);
    expect((await feed('huge')).lastError).toMatch(/over the limit of 65536 bytes/);
    // The imports queued their re-matching like an API import.
    expect((await api.request('GET', '/v1/advisory-matching', admin)).body.due).toBeGreaterThanOrEqual(0);
    expect((await status()).intervalSeconds).toBe(3600);
    // Only the platform admin sees it.
    const org = await api.request('POST', '/v1/orgs', { ...admin, body: { name: 'feeds-org' } });
    const token = await api.request('POST', `/v1/identities`, { ...admin, headers: { 'vigil-org-id': org.body.id }, body: { groupId: org.body.rootGroupId, name: 'ops', kind: 'service' } });
    const issued = await api.request('POST', `/v1/identities/${token.body.id}/tokens`, { ...admin, headers: { 'vigil-org-id': org.body.id }, body: {} });
    expect((await api.request('GET', '/v1/advisory-feeds', { token: issued.body.token })).status).toBe(403);
  }, 60_000);

  it('asks conditionally: unchanged feeds answer 304 and nothing is imported again', async () => {
    const served = feeds.requests.length;
    const outcomes = await worker!.get(AdvisoryFeedService).fetchAll();
    expect(outcomes.map((o) => `${o.url.split('/').pop()} ${o.outcome}`)).toEqual(['alpine.json not-modified', 'all.zip not-modified', 'mixed.json imported', 'broken failed', 'garbage failed', 'huge failed']);
    const asked = feeds.requests.slice(served);
    expect(asked.find((r) => r.path === '/osv/all.zip')!.headers['if-none-match']).toBe('"zip-v1"');
    expect(asked.find((r) => r.path === '/osv/alpine.json')!.headers['if-modified-since']).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
    expect(await feed('all.zip')).toEqual(expect.objectContaining({ etag: '"zip-v1"', lastError: null, lastResult: { notModified: true } }));
    // mixed.json has no validators: fetched again, its record is already stored.
    expect((await feed('mixed.json')).lastResult).toEqual(expect.objectContaining({ imported: 0, unchanged: 1, rejectedTotal: 1 }));
    expect((await feed('broken')).consecutiveFailures).toBe(2);
  }, 30_000);

  it('refuses a feed on a private address unless VIGIL_ALLOW_PRIVATE_TARGETS is set', async () => {
    await worker?.close();
    worker = await startWorker(api, workerEnv([feeds.url('alpine.json')], { VIGIL_ALLOW_PRIVATE_TARGETS: 'false', VIGIL_ADVISORY_FEED_INTERVAL_SECONDS: '3600' }));
    const served = feeds.requests.length;
    const outcome = await worker.get(AdvisoryFeedService).fetchOne(feeds.url('alpine.json'));
    expect(outcome).toEqual({ url: feeds.url('alpine.json'), outcome: 'failed', error: expect.stringMatching(/127\.0\.0\.1/) });
    expect(feeds.requests.length).toBe(served);
    expect((await feed('alpine.json')).lastError).toMatch(/127\.0\.0\.1/);
  }, 30_000);
});
