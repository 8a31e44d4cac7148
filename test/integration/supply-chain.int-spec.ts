import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InventoryFoldService } from '../../libs/inventory/src';
import { AgentClient } from '../support/agent-client';
import { ApiHarness, TEST_ADMIN_TOKEN } from '../support/api-harness';
import { addMember, createTenant, TenantFixture } from '../support/tenant-fixtures';
import { startWorker, until } from '../support/worker-harness';
import { writeZip } from '../support/zip-writer';

// Advisories, SBOM scans, image SBOMs and exposure through the real endpoints,
// with the real OSV records and SBOMs of ../shared/data. Every expected match
// below is derived by hand from the records (see the comment beside it).

const DATA = resolve(__dirname, '../../../shared/data');
const data = (p: string) => readFileSync(resolve(DATA, p));
const osv = (p: string) => JSON.parse(data(`osv/${p}`).toString());

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const T = (minutes: number) => new Date(Date.UTC(2026, 0, 10, 12, 0, 0) + minutes * 60_000).toISOString();
const D_ALPINE = digest(0xa1);
const D_PYPI = digest(0xb2);
const D_NPM = digest(0xc3);

/** CycloneDX 1.5 of the packages in osv-scanner's scenario B input (expected/osv-scanner-offline/inputs/requirements.txt). */
const pypiSbom = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  version: 1,
  components: [
    { type: 'library', name: 'flask', version: '1.0.0', purl: 'pkg:pypi/flask@1.0.0' },
    { type: 'library', name: 'django', version: '1.11.29', purl: 'pkg:pypi/django@1.11.29' },
    { type: 'library', name: 'requests', version: '2.20.0', purl: 'pkg:pypi/requests@2.20.0' },
  ],
};
/** Scenario C (inputs/package-lock.json: ansi-html 0.0.1) plus the packages the two other npm records name. */
const npmSbom = {
  bomFormat: 'CycloneDX',
  specVersion: '1.4',
  version: 1,
  components: [
    { type: 'library', name: 'ansi-html', version: '0.0.1', purl: 'pkg:npm/ansi-html@0.0.1' },
    { type: 'library', name: 'ansi-regex', version: '5.0.0', purl: 'pkg:npm/ansi-regex@5.0.0' },
    { type: 'library', name: 'semver', version: '7.3.8', purl: 'pkg:npm/semver@7.3.8' },
    { type: 'library', name: 'semver', version: '7.5.4', purl: 'pkg:npm/semver@7.5.4' },
  ],
};

const summarise = (vulns: any[]) => vulns.map((v) => `${v.package.name}@${v.package.version} ${v.id} fixed=${v.fixedVersion}`).sort();

describe('supply chain: advisories, SBOMs, matching and exposure', () => {
  let api: ApiHarness;
  let acme: TenantFixture;
  let other: TenantFixture;
  let viewer: string;
  let agent: AgentClient;
  let clusterId: string;
  let sequence = 0;

  const admin = { token: TEST_ADMIN_TOKEN };
  const importJson = (body: unknown, token = TEST_ADMIN_TOKEN) => api.request('POST', '/v1/advisories/import', { token, body });
  const importRaw = (bytes: Buffer, contentType: string) =>
    fetch(`${api.url}/v1/advisories/import`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': contentType }, body: bytes }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as any }),
    );
  const scan = (body: unknown, token: string) => api.request('POST', '/v1/sboms/scan', { token, body });
  const scanRaw = (text: string | Buffer, contentType: string, token: string) =>
    fetch(`${api.url}/v1/sboms/scan`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body: text }).then(
      async (r) => ({ status: r.status, body: (await r.json()) as any }),
    );
  const exposure = (id: string, query = '', token = acme.owner.token) => api.request('GET', `/v1/advisories/${encodeURIComponent(id)}/exposure${query}`, { token });

  function pod(uid: string, workload: string, ref: string, image: string, at: string, op: 'upsert' | 'delete' = 'upsert') {
    return {
      op,
      uid,
      namespace: 'shop',
      name: `${workload}-${uid}`,
      node: 'node-1',
      owner: { kind: 'Deployment', name: workload },
      observedAt: at,
      containers: op === 'delete' ? [] : [{ name: 'app', type: 'container', image: ref, imageDigest: image, startedAt: at }],
    };
  }
  async function inventory(pods: ReturnType<typeof pod>[], at: string) {
    const res = await agent.send('POST', '/v1/agent/inventory', { agentId: 'agent-a', sequence: ++sequence, kind: 'delta', sentAt: at, pods });
    expect(res.status).toBe(200);
  }

  beforeAll(async () => {
    api = await ApiHarness.start();
    acme = await createTenant(api, 'acme');
    other = await createTenant(api, 'other');
    viewer = (await addMember(api, { orgId: acme.orgId, actingToken: acme.owner.token, homeGroupId: acme.rootGroupId, groupId: acme.rootGroupId, role: 'viewer', name: 'ci' })).token;
    const cluster = await api.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name: 'prod' } });
    clusterId = cluster.body.id;
    agent = await AgentClient.register(api, cluster.body.registrationToken);
  });
  afterAll(() => api.stop());

  describe('POST /v1/advisories/import', () => {
    it('is for platform administrators only', async () => {
      expect((await api.request('POST', '/v1/advisories/import', { body: osv('alpine/ALPINE-CVE-2025-26519.json') })).status).toBe(401);
      const owner = await importJson(osv('alpine/ALPINE-CVE-2025-26519.json'), acme.owner.token);
      expect(owner.status).toBe(403);
      expect(owner.body).toEqual({ statusCode: 403, error: 'Forbidden', message: expect.stringMatching(/platform administrator/) });
    });

    it('imports one OSV object, and the same record again changes nothing', async () => {
      expect((await importJson(osv('alpine/ALPINE-CVE-2025-26519.json'))).body).toEqual(expect.objectContaining({ imported: 1, updated: 0, unchanged: 0, rejected: [] }));
      expect((await importJson(osv('alpine/ALPINE-CVE-2025-26519.json'))).body).toEqual(expect.objectContaining({ imported: 0, updated: 0, unchanged: 1, rejected: [] }));
    });

    it('imports an array, rejecting bad records with their errors while the rest import', async () => {
      const noModified = { id: 'BAD-0001', affected: [] };
      const res = await importJson([
        osv('pypi/PYSEC-2021-98.json'),
        osv('pypi/PYSEC-2023-74.json'),
        noModified,
        osv('pypi/PYSEC-2023-62.json'),
        42,
        osv('npm/GHSA-whgm-jr23-g3j9.json'),
        osv('npm/GHSA-93q8-gq69-wqmw.json'),
      ]);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ imported: 5, updated: 0, unchanged: 0, rejectedTotal: 2 }));
      expect(res.body.rejected).toEqual([
        { id: 'BAD-0001', error: expect.stringMatching(/^body\[2\]: .*modified/) },
        { error: expect.stringMatching(/^body\[4\]: /) },
      ]);
    });

    it('imports a zip of OSV files (one record or an array per file); hostile and broken entries are rejected', async () => {
      const files = [
        'go/GO-2021-0053.json', 'go/GO-2022-1144.json', 'go/GO-2023-1558.json', 'go/GO-2024-2887.json', 'go/GO-2024-2937.json',
        'pypi/GHSA-pq64-v7f5-gqh8.json', 'pypi/PYSEC-2020-148.json', 'pypi/PYSEC-2020-43.json', 'pypi/PYSEC-2020-73.json',
        'wolfi-chainguard/vunnel-fixture/CGA-224q-ccj5-2p53.json', 'wolfi-chainguard/vunnel-fixture/CGA-22hv-wp9q-4779.json',
        'wolfi-chainguard/vunnel-fixture/CGA-xcpc-gm23-prj9.json', 'wolfi-chainguard/wolfictl/all.json',
      ];
      const zip = writeZip([
        ...files.map((f) => ({ name: `osv/${f.split('/').pop()}`, data: data(`osv/${f}`) })),
        { name: 'osv/bomb.json', data: Buffer.alloc(20 * 1024 * 1024, 0x20), declaredSize: 64 },
        { name: 'osv/broken.json', data: '{"id": "X", ' },
        { name: 'osv/', data: '' },
      ]);
      const res = await importRaw(zip, 'application/zip');
      expect(res.status).toBe(200);
      // 12 single-record files + the 6 records of wolfictl/all.json
      expect(res.body).toEqual(expect.objectContaining({ imported: 18, updated: 0, rejectedTotal: 2 }));
      expect(res.body.rejected).toEqual([
        { error: expect.stringMatching(/^osv\/bomb.json: .*inflates beyond its declared size 64/) },
        { error: expect.stringMatching(/^osv\/broken.json: not valid JSON/) },
      ]);
    });

    it('refuses bodies that are neither OSV JSON nor a zip, and broken archives, changing nothing', async () => {
      expect((await importRaw(Buffer.from('hello'), 'application/octet-stream')).body).toEqual(
        expect.objectContaining({ statusCode: 400, message: expect.stringMatching(/neither a zip archive nor valid JSON/) }),
      );
      const truncated = writeZip([{ name: 'a.json', data: JSON.stringify(osv('npm/GHSA-c2qf-rxjj-qqgw.json')) }]).subarray(0, 60);
      expect((await importRaw(truncated, 'application/zip')).body).toEqual(expect.objectContaining({ statusCode: 400, message: expect.stringMatching(/zip archive refused/) }));
      expect((await importJson('"just a string"')).status).toBe(400);
      expect((await api.request('GET', '/v1/advisories/GHSA-c2qf-rxjj-qqgw', { token: viewer })).status).toBe(404);
    });

    it('upserts by modified: a newer copy updates, an older one is ignored', async () => {
      const record = osv('npm/GHSA-93q8-gq69-wqmw.json');
      expect((await importJson({ ...record, modified: '2020-01-01T00:00:00Z' })).body).toEqual(expect.objectContaining({ imported: 0, updated: 0, unchanged: 1 }));
      expect((await importJson({ ...record, modified: '2030-01-01T00:00:00Z' })).body).toEqual(expect.objectContaining({ imported: 0, updated: 1, unchanged: 0 }));
    });

    it('finds advisories by id and by alias', async () => {
      const byId = await api.request('GET', '/v1/advisories/PYSEC-2021-98', { token: viewer });
      expect(byId.body).toEqual(expect.objectContaining({ id: 'PYSEC-2021-98', aliases: ['BIT-django-2021-33203', 'CVE-2021-33203', 'GHSA-68w8-qjq3-2gfm'] }));
      const byCve = await api.request('GET', '/v1/advisories/CVE-2025-26519', { token: viewer });
      expect(byCve.body).toEqual(expect.objectContaining({ id: 'CVE-2025-26519', aliases: ['ALPINE-CVE-2025-26519'] }));
    });
  });

  describe('POST /v1/sboms/scan', () => {
    it('matches the real Alpine 3.17.2 SBOM (syft CycloneDX): musl and musl-utils (origin musl) by ALPINE-CVE-2025-26519', async () => {
      // Alpine:v3.17 range introduced 0.9.13, fixed 1.2.3-r6; both packages are 1.2.3-r4 (distro alpine-3.17.2 → Alpine:v3.17).
      // musl-utils matches through its source (upstream=musl): Alpine records name source packages.
      // libcrypto3/libssl3 3.0.8-r0: the openssl record CGA-6mjr is Wolfi/Chainguard only, not Alpine.
      const res = await scanRaw(data('sbom/cyclonedx/alpine-3.17.2.syft.cdx.json'), 'application/vnd.cyclonedx+json', viewer);
      expect(res.status).toBe(200);
      expect(res.body.packages).toBeGreaterThan(10);
      expect(summarise(res.body.vulnerabilities)).toEqual([
        'musl-utils@1.2.3-r4 ALPINE-CVE-2025-26519 fixed=1.2.3-r6',
        'musl@1.2.3-r4 ALPINE-CVE-2025-26519 fixed=1.2.3-r6',
      ]);
      expect(res.body.vulnerabilities[0]).toEqual(
        expect.objectContaining({ aliases: ['CVE-2025-26519'], package: expect.objectContaining({ ecosystem: 'Alpine:v3.17', purl: expect.stringMatching(/^pkg:apk\/alpine\/musl/) }) }),
      );
    });

    it("matches trivy's SPDX SBOM: musl 1.2.3-r0 of Alpine 3.16 (fixed 1.2.3-r4 there); npm, Go, composer and maven packages have no record", async () => {
      const res = await scan(JSON.parse(data('sbom/spdx/trivy-happy-bom.spdx.json').toString()), viewer);
      expect(summarise(res.body.vulnerabilities)).toEqual(['musl@1.2.3-r0 ALPINE-CVE-2025-26519 fixed=1.2.3-r4']);
    });

    it('matches PyPI packages by the ECOSYSTEM ranges (GIT ranges are not versions)', async () => {
      // django 1.11.29 < 2.2.24 (first range); requests 2.20.0 in [2.3.0, 2.31.0); flask 1.0.0 < 2.2.5.
      const res = await scan(pypiSbom, acme.owner.token);
      expect(summarise(res.body.vulnerabilities)).toEqual([
        'django@1.11.29 PYSEC-2021-98 fixed=2.2.24',
        'flask@1.0.0 PYSEC-2023-62 fixed=2.2.5',
        'requests@2.20.0 PYSEC-2023-74 fixed=2.31.0',
      ]);
    });

    it('matches npm packages; the semver record is not imported yet', async () => {
      // ansi-html 0.0.1 < 0.0.8; ansi-regex 5.0.0 in [5.0.0, 5.0.1). GHSA-c2qf (semver) was only in a refused body.
      const res = await scan(npmSbom, viewer);
      expect(summarise(res.body.vulnerabilities)).toEqual(['ansi-html@0.0.1 GHSA-whgm-jr23-g3j9 fixed=0.0.8', 'ansi-regex@5.0.0 GHSA-93q8-gq69-wqmw fixed=5.0.1']);
    });

    it('refuses malformed SBOMs with a clear 400, and callers without a token', async () => {
      const xml = await scanRaw(data('sbom/cyclonedx/alpine-3.17.2.syft.cdx.xml'), 'application/xml', viewer);
      expect(xml.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/XML SBOMs are not supported/) });
      expect((await scanRaw('{"bomFormat": "CycloneDX", ', 'application/vnd.cyclonedx+json', viewer)).body.message).toMatch(/not valid JSON/);
      expect((await scan([1, 2], viewer)).body.message).toMatch(/SBOM refused/);
      expect((await scan({ spdxVersion: 'SPDX-2.3', packages: 'nope' }, viewer)).status).toBe(400);
      expect((await api.request('POST', '/v1/sboms/scan', { body: npmSbom })).status).toBe(401);
    });
  });

  describe('images, stored matches and exposure', () => {
    it('stores uploaded SBOMs of observed images and lists their vulnerabilities', async () => {
      await inventory(
        [
          pod('p1', 'web', 'registry.example/acme/web:1.0', D_ALPINE, T(0)),
          pod('p2', 'batch', 'registry.example/acme/batch:7', D_PYPI, T(0)),
          pod('p3', 'ui', 'registry.example/acme/ui:2', D_NPM, T(0)),
        ],
        T(0),
      );
      await inventory([pod('p2', 'batch', 'registry.example/acme/batch:7', D_PYPI, T(60), 'delete')], T(60));
      // Exposure reads the workload runs, which the worker folds after ingest; no worker runs yet, so fold here.
      await api.get(InventoryFoldService).foldCluster({ orgId: acme.orgId, clusterId });

      const upload = (d: string, body: unknown, token = acme.owner.token) => api.request('PUT', `/v1/images/${d}/sbom`, { token, body });
      expect((await upload(D_ALPINE, JSON.parse(data('sbom/cyclonedx/alpine-3.17.2.syft.cdx.json').toString()))).body).toEqual(
        expect.objectContaining({ source: 'upload', shared: false, vulnerabilityCount: 2 }),
      );
      expect((await upload(D_PYPI, pypiSbom)).status).toBe(200);
      expect((await upload(D_NPM, npmSbom)).status).toBe(200);
      expect((await upload(D_NPM, npmSbom, viewer)).status).toBe(403);
      expect((await upload(D_NPM, { hello: 'world' })).body.message).toMatch(/SBOM refused/);

      const image = await api.request('GET', `/v1/images/${D_ALPINE}`, { token: viewer });
      expect(image.status).toBe(200);
      expect(image.body.references.map((r: any) => r.ref)).toEqual(['registry.example/acme/web:1.0']);
      expect(image.body.sbom).toEqual(expect.objectContaining({ source: 'upload', format: 'cyclonedx', specVersion: '1.4' }));
      expect(summarise(image.body.vulnerabilities)).toEqual([
        'musl-utils@1.2.3-r4 ALPINE-CVE-2025-26519 fixed=1.2.3-r6',
        'musl@1.2.3-r4 ALPINE-CVE-2025-26519 fixed=1.2.3-r6',
      ]);
      expect(image.body.vulnerabilities[0]).toEqual(expect.objectContaining({ severity: expect.any(String), aliases: ['CVE-2025-26519'] }));
    });

    it('serves the stored SBOM as SPDX or CycloneDX by Accept', async () => {
      const get = (accept?: string) => fetch(`${api.url}/v1/images/${D_PYPI}/sbom`, { headers: { authorization: `Bearer ${viewer}`, ...(accept ? { accept } : {}) } });
      const spdx = await get();
      expect(spdx.headers.get('content-type')).toMatch(/^application\/spdx\+json/);
      const spdxDoc = (await spdx.json()) as any;
      expect(spdxDoc.spdxVersion).toBe('SPDX-2.3');
      expect(spdxDoc.packages.map((p: any) => p.name)).toEqual(expect.arrayContaining(['django', 'flask', 'requests']));
      const cdx = await get('application/vnd.cyclonedx+json');
      expect(cdx.headers.get('content-type')).toMatch(/^application\/vnd\.cyclonedx\+json/);
      expect(((await cdx.json()) as any).components.map((c: any) => c.purl).sort()).toEqual(['pkg:pypi/django@1.11.29', 'pkg:pypi/flask@1.0.0', 'pkg:pypi/requests@2.20.0']);
      expect((await get('text/html')).status).toBe(406);
    });

    it('re-matches stored SBOMs in the worker when advisories are imported or withdrawn', async () => {
      // semver 7.3.8 is in [7.0.0, 7.5.2); 7.5.4 is not.
      expect((await importJson(osv('npm/GHSA-c2qf-rxjj-qqgw.json'))).body).toEqual(expect.objectContaining({ imported: 1, matchesPending: 1 }));
      const withdrawn = { ...osv('npm/GHSA-whgm-jr23-g3j9.json'), modified: '2030-01-01T00:00:00Z', withdrawn: '2030-01-01T00:00:00Z' };
      expect((await importJson(withdrawn)).body).toEqual(expect.objectContaining({ updated: 1, matchesPending: 1 }));
      const worker = await startWorker(api);
      try {
        await until('the worker re-matched both advisories', async () => ((await api.request('GET', '/v1/advisory-matching', admin)).body.due === 0 ? true : undefined));
      } finally {
        await worker.close();
      }
      const image = await api.request('GET', `/v1/images/${D_NPM}`, { token: viewer });
      expect(summarise(image.body.vulnerabilities)).toEqual(['ansi-regex@5.0.0 GHSA-93q8-gq69-wqmw fixed=5.0.1', 'semver@7.3.8 GHSA-c2qf-rxjj-qqgw fixed=7.5.2']);
      expect(summarise((await scan(npmSbom, viewer)).body.vulnerabilities)).not.toContain('ansi-html@0.0.1 GHSA-whgm-jr23-g3j9 fixed=0.0.8');
      const gone = await exposure('GHSA-whgm-jr23-g3j9');
      expect(gone.body).toEqual(expect.objectContaining({ advisory: expect.objectContaining({ withdrawn: true }), items: [] }));
    });

    it('answers exposure by id: where and when an affected image ran (§9 payload)', async () => {
      const res = await exposure('ALPINE-CVE-2025-26519');
      expect(res.status).toBe(200);
      expect(res.body.advisory).toEqual({ id: 'ALPINE-CVE-2025-26519', aliases: ['CVE-2025-26519'], severity: expect.any(String) });
      expect(res.body.items).toEqual([
        { clusterId, namespace: 'shop', workload: { kind: 'Deployment', name: 'web' }, image: { ref: 'registry.example/acme/web:1.0', digest: D_ALPINE }, package: { name: 'musl', version: '1.2.3-r4', ecosystem: 'Alpine:v3.17' }, firstSeen: T(0), lastSeen: expect.any(String), running: true },
        { clusterId, namespace: 'shop', workload: { kind: 'Deployment', name: 'web' }, image: { ref: 'registry.example/acme/web:1.0', digest: D_ALPINE }, package: { name: 'musl-utils', version: '1.2.3-r4', ecosystem: 'Alpine:v3.17' }, firstSeen: T(0), lastSeen: expect.any(String), running: true },
      ]);
      expect(res.body.nextCursor).toBeNull();
    });

    it('answers exposure by alias: the CVE finds what the distro advisory matched, the GHSA what the PYSEC record matched', async () => {
      const cve = await exposure('CVE-2025-26519');
      expect(cve.body.advisory).toEqual(expect.objectContaining({ id: 'CVE-2025-26519', aliases: ['ALPINE-CVE-2025-26519'] }));
      expect(cve.body.items.map((i: any) => `${i.image.digest} ${i.package.name}`)).toEqual([`${D_ALPINE} musl`, `${D_ALPINE} musl-utils`]);
      const ghsa = await exposure('GHSA-68w8-qjq3-2gfm');
      expect(ghsa.body.items).toEqual([
        expect.objectContaining({ workload: { kind: 'Deployment', name: 'batch' }, image: { ref: 'registry.example/acme/batch:7', digest: D_PYPI }, package: { name: 'django', version: '1.11.29', ecosystem: 'PyPI' }, firstSeen: T(0), lastSeen: T(60), running: false }),
      ]);
    });

    it('limits exposure to a time window and pages through it', async () => {
      expect((await exposure('GHSA-68w8-qjq3-2gfm', `?from=${T(30)}&to=${T(90)}`)).body.items).toHaveLength(1);
      expect((await exposure('GHSA-68w8-qjq3-2gfm', `?from=${T(60)}`)).body.items).toEqual([]); // ended at T(60): [first, last) does not reach it
      expect((await exposure('CVE-2025-26519', `?from=${T(-100)}&to=${T(-1)}`)).body.items).toEqual([]);
      expect((await exposure('CVE-2025-26519', `?from=${T(10_000)}`)).body.items).toHaveLength(2); // still running
      const first = await exposure('CVE-2025-26519', '?limit=1');
      expect(first.body.items.map((i: any) => i.package.name)).toEqual(['musl']);
      const second = await exposure('CVE-2025-26519', `?limit=1&cursor=${first.body.nextCursor}`);
      expect(second.body.items.map((i: any) => i.package.name)).toEqual(['musl-utils']);
      expect(second.body.nextCursor).toBeNull();
      expect((await exposure('CVE-2025-26519', `?from=${T(10)}&to=${T(0)}`)).status).toBe(400);
      expect((await exposure('CVE-2025-26519', '?from=yesterday')).status).toBe(400);
      expect((await exposure('CVE-1999-0000')).status).toBe(404);
    });

    it('searches the images that contain a package, by ecosystem and version range', async () => {
      const search = async (q: string, token = viewer) => (await api.request('GET', `/v1/packages/search?${q}`, { token })).body.items.map((i: any) => `${i.image.digest} ${i.package.name}@${i.package.version}`);
      // A distro name finds the binary packages built from that source too (musl-utils' origin is musl), as advisories do.
      expect(await search('name=musl&ecosystem=Alpine')).toEqual([`${D_ALPINE} musl-utils@1.2.3-r4`, `${D_ALPINE} musl@1.2.3-r4`]);
      expect(await search('name=musl-utils&ecosystem=Alpine:v3.17&version=%3C1.2.3-r6')).toEqual([`${D_ALPINE} musl-utils@1.2.3-r4`]);
      expect(await search('name=musl&ecosystem=Alpine&version=%3E%3D1.2.3-r6')).toEqual([]);
      expect(await search('name=musl&ecosystem=Alpine:v3.19')).toEqual([]);
      expect(await search('name=Django&ecosystem=PyPI')).toEqual([]); // not running any more …
      expect(await search('name=Django&ecosystem=PyPI&running=all')).toEqual([`${D_PYPI} django@1.11.29`]); // … but it ran (PEP 503 name)
      expect(await search('name=semver&ecosystem=npm&version=%3E%3D7.0.0,%3C7.5.2')).toEqual([`${D_NPM} semver@7.3.8`]);
      expect((await api.request('GET', '/v1/packages/search?name=musl', { token: viewer })).status).toBe(400);
    });

    it('keeps every new endpoint tenant-isolated', async () => {
      const o = other.owner.token;
      expect((await api.request('GET', `/v1/images/${D_ALPINE}`, { token: o })).status).toBe(404);
      expect((await api.request('GET', `/v1/images/${D_ALPINE}/sbom`, { token: o })).status).toBe(404);
      expect((await api.request('PUT', `/v1/images/${D_ALPINE}/sbom`, { token: o, body: npmSbom })).status).toBe(404);
      expect((await api.request('POST', `/v1/images/${D_ALPINE}/sbom/derive`, { token: o, body: {} })).status).toBe(404);
      const exposed = await exposure('CVE-2025-26519', '', o);
      expect(exposed.status).toBe(200);
      expect(exposed.body.items).toEqual([]);
      expect((await api.request('GET', '/v1/packages/search?name=musl&ecosystem=Alpine&running=all', { token: o })).body.items).toEqual([]);
      // Naming another org in the header is the same as naming none that exists.
      expect((await api.request('GET', `/v1/images/${D_ALPINE}`, { token: o, headers: { 'vigil-org-id': acme.orgId } })).status).toBe(404);
      for (const [method, path] of [['GET', `/v1/images/${D_ALPINE}`], ['GET', `/v1/images/${D_ALPINE}/sbom`], ['GET', '/v1/advisories/CVE-2025-26519/exposure'], ['GET', '/v1/packages/search?name=musl&ecosystem=Alpine'], ['GET', '/v1/advisories/CVE-2025-26519']]) {
        expect({ method, path, status: (await api.request(method, path)).status }).toEqual({ method, path, status: 401 });
      }
      // A viewer of another org's cluster group sees nothing of this org's exposure either way.
      expect((await api.request('GET', `/v1/images/${D_ALPINE}`, { token: admin.token, headers: { 'vigil-org-id': other.orgId } })).status).toBe(404);
    });
  });
});
