import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { RegistryClient } from '../../libs/oci/src';
import { AgentClient } from '../support/agent-client';
import { ApiHarness, TEST_ADMIN_TOKEN } from '../support/api-harness';
import { blob, descriptor, pushImage, sha256, startRegistry, type Blob, type RunningRegistry } from '../support/oci-registry';
import { createTenant, TenantFixture } from '../support/tenant-fixtures';

// SBOM derivation through a real registry (Debian's docker-registry): an
// attached `.sbom`, and cataloging the image's own layers, which hold a real
// Alpine package database from ../shared/data/pkgdb.

const DATA = resolve(__dirname, '../../../shared/data');
const data = (p: string) => readFileSync(resolve(DATA, p));
const ALPINE_3_18 = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.2\nPRETTY_NAME="Alpine Linux v3.18"\n';

async function layer(entries: { name: string; data: Buffer | string }[]): Promise<{ gz: Blob; diffId: string }> {
  const tar = pack();
  for (const e of entries) tar.entry({ name: e.name, mtime: new Date(0) }, e.data);
  tar.finalize();
  const parts: Buffer[] = [];
  for await (const c of tar) parts.push(c as Buffer);
  const raw = Buffer.concat(parts);
  return { gz: blob('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(raw)), diffId: sha256(raw) };
}

async function image(layers: { name: string; data: Buffer | string }[][]) {
  const built = await Promise.all(layers.map(layer));
  const config = blob(
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: built.map((l) => l.diffId) } })),
  );
  const manifest = blob(
    'application/vnd.oci.image.manifest.v1+json',
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: descriptor(config), layers: built.map((l) => descriptor(l.gz)) })),
  );
  return { manifest, config, layers: built.map((l) => l.gz) };
}

describe('image SBOMs derived from a registry', () => {
  let registry: RunningRegistry;
  let client: RegistryClient;
  let api: ApiHarness;
  let acme: TenantFixture;
  let other: TenantFixture;
  const agents = new Map<string, { agent: AgentClient; sequence: number }>();

  async function run(tenant: TenantFixture, ref: string, digest: string) {
    let entry = agents.get(tenant.orgId);
    if (!entry) {
      const cluster = await api.request('POST', '/v1/clusters', { token: tenant.owner.token, body: { groupId: tenant.rootGroupId, name: 'prod' } });
      entry = { agent: await AgentClient.register(api, cluster.body.registrationToken), sequence: 0 };
      agents.set(tenant.orgId, entry);
    }
    const at = new Date().toISOString();
    const uid = `pod-${digest.slice(7, 19)}`;
    const res = await entry.agent.send('POST', '/v1/agent/inventory', {
      agentId: 'agent-a', sequence: ++entry.sequence, kind: 'delta', sentAt: at,
      pods: [{ op: 'upsert', uid, namespace: 'apps', name: uid, node: 'n1', owner: { kind: 'Deployment', name: 'app' }, observedAt: at, containers: [{ name: 'app', type: 'container', image: ref, imageDigest: digest, startedAt: at }] }],
    });
    expect(res.status).toBe(200);
  }
  const derive = (tenant: TenantFixture, digest: string, body: object = {}) => api.request('POST', `/v1/images/${digest}/sbom/derive`, { token: tenant.owner.token, body });
  const vulns = async (tenant: TenantFixture, digest: string) =>
    (await api.request('GET', `/v1/images/${digest}`, { token: tenant.owner.token })).body.vulnerabilities.map((v: any) => `${v.package.name}@${v.package.version} ${v.id} fixed=${v.fixedVersion}`).sort();

  beforeAll(async () => {
    registry = await startRegistry();
    client = new RegistryClient({ insecureRegistries: [registry.host], allowPrivateTargets: true });
    api = await ApiHarness.start({ VIGIL_INSECURE_REGISTRIES: registry.host, VIGIL_ALLOW_PRIVATE_TARGETS: 'true' });
    acme = await createTenant(api, 'acme');
    other = await createTenant(api, 'other');
    const imported = await api.request('POST', '/v1/advisories/import', { token: TEST_ADMIN_TOKEN, body: JSON.parse(data('osv/alpine/ALPINE-CVE-2025-26519.json').toString()) });
    expect(imported.body.imported).toBe(1);
  });
  afterAll(async () => {
    await client?.close();
    await api?.stop();
    await registry?.stop();
  });

  it('catalogs the layers (whiteouts honoured) and matches the installed packages; other orgs share the result', async () => {
    const img = await image([
      [
        { name: 'etc/os-release', data: ALPINE_3_18 },
        { name: 'lib/apk/db/installed', data: data('pkgdb/apk/scalibr-alpine-installed') },
        { name: 'usr/lib/node_modules/cowsay/package.json', data: data('pkgdb/npm/syft-cowsay/package.json') },
      ],
      // A later layer deletes the npm package: it is not in the image any more.
      [{ name: 'usr/lib/node_modules/.wh.cowsay', data: '' }],
    ]);
    const digest = await pushImage(client, { registry: registry.host, repository: 'acme/alpine' }, '3.18', img);
    const ref = `${registry.host}/acme/alpine:3.18`;
    await run(acme, ref, digest);

    const derived = await derive(acme, digest);
    expect(derived.status).toBe(200);
    // scalibr-alpine-installed lists 15 packages; the whited-out npm package is gone.
    expect(derived.body).toEqual(expect.objectContaining({ source: 'catalog', shared: true, packageCount: 15 }));
    // Alpine:v3.18 range introduced 0.9.13, fixed 1.2.4-r3: musl and musl-utils (origin musl) 1.2.4-r0 are affected.
    expect(await vulns(acme, digest)).toEqual(['musl-utils@1.2.4-r0 ALPINE-CVE-2025-26519 fixed=1.2.4-r3', 'musl@1.2.4-r0 ALPINE-CVE-2025-26519 fixed=1.2.4-r3']);
    const sbom = (await (await fetch(`${api.url}/v1/images/${digest}/sbom`, { headers: { authorization: `Bearer ${acme.owner.token}`, accept: 'application/vnd.cyclonedx+json' } })).json()) as any;
    expect(sbom.components.map((c: any) => `${c.name}@${c.version}`)).toEqual(expect.arrayContaining(['musl@1.2.4-r0', 'zlib@1.2.13-r1', 'libcrypto3@3.1.0-r4']));

    // Another org running the same digest sees the shared, content-derived SBOM without deriving again.
    expect((await api.request('GET', `/v1/images/${digest}`, { token: other.owner.token })).status).toBe(404);
    await run(other, ref, digest);
    const seen = await api.request('GET', `/v1/images/${digest}`, { token: other.owner.token });
    expect(seen.body.sbom).toEqual(expect.objectContaining({ source: 'catalog', shared: true, packageCount: 15 }));
    expect((await derive(other, digest)).body).toEqual(expect.objectContaining({ source: 'catalog', shared: true }));
  });

  it("prefers an SBOM attached as .sbom, and keeps it to the org that derived it", async () => {
    const img = await image([[{ name: 'hello', data: 'no package database here' }]]);
    const location = { registry: registry.host, repository: 'acme/attached' };
    const digest = await pushImage(client, location, 'v1', img);
    const spdx = data('sbom/spdx/trivy-happy-bom.spdx.json');
    // What `cosign attach sbom` pushes: the document as the one layer of a manifest tagged sha256-<hex>.sbom.
    const sbomLayer = blob('application/spdx+json', spdx);
    const config = blob('application/vnd.oci.image.config.v1+json', Buffer.from('{}'));
    for (const b of [config, sbomLayer]) await client.pushBlob(location, b.bytes);
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: descriptor(config), layers: [descriptor(sbomLayer)] }));
    await client.pushManifest(location, `${digest.replace(':', '-')}.sbom`, manifest, 'application/vnd.oci.image.manifest.v1+json');
    const ref = `${registry.host}/acme/attached:v1`;
    await run(acme, ref, digest);
    await run(other, ref, digest);

    expect((await derive(acme, digest)).body).toEqual(expect.objectContaining({ source: 'attachment', shared: false }));
    // trivy-happy-bom: musl 1.2.3-r0 of Alpine 3.16, fixed there in 1.2.3-r4.
    expect(await vulns(acme, digest)).toEqual(['musl@1.2.3-r0 ALPINE-CVE-2025-26519 fixed=1.2.3-r4']);
    // The other org does not inherit acme's attachment-derived SBOM.
    expect((await api.request('GET', `/v1/images/${digest}`, { token: other.owner.token })).body).toEqual(expect.objectContaining({ sbom: null, vulnerabilities: [] }));
  });

  it('refuses hostile layers with a clear error and stores nothing', async () => {
    const img = await image([[{ name: '../../etc/passwd', data: 'root:x:0:0' }]]);
    const digest = await pushImage(client, { registry: registry.host, repository: 'acme/hostile' }, 'v1', img);
    await run(acme, `${registry.host}/acme/hostile:v1`, digest);
    const res = await derive(acme, digest);
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/cannot be cataloged: layer 0: entry name escapes the root/);
    expect((await api.request('GET', `/v1/images/${digest}`, { token: acme.owner.token })).body.sbom).toBeNull();
    expect((await derive(acme, digest, { ref: 'registry.example/not/ours:1' })).status).toBe(422);
  });
});
