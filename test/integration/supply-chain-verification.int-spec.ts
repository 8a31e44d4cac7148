import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { pack } from 'tar-stream';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { SbomJobsService } from '../../libs/images/src';
import { RegistryClient } from '../../libs/oci/src';
import { loadPlatformConfig } from '../../libs/shared/config/src';
import { sbomJobId } from '../../libs/shared/queue/src';
import { AgentClient } from '../support/agent-client';
import { ApiHarness, TEST_ADMIN_TOKEN, TEST_REDIS_URL, TEST_SECRET_KEY } from '../support/api-harness';
import { CloudEventsSink } from '../support/cloudevents-sink';
import { blob, descriptor, freePort, pushImage, sha256, startRegistry, type RunningRegistry } from '../support/oci-registry';
import { imagePolicy } from '../support/policy-fixtures';
import { createTenant, TenantFixture } from '../support/tenant-fixtures';
import { until } from '../support/worker-harness';

// Supply-chain facts in verification: SBOMs derived by the worker's sbom job
// from a real registry, stored SBOMs and vulnerability matches read by
// continuous verification and by admission, and advisory imports re-verifying
// exactly the running images whose matches changed. Real Postgres, Redis,
// registry (Debian's docker-registry) and CloudEvents sink.

const DATA = resolve(__dirname, '../../../shared/data');
const data = (p: string) => readFileSync(resolve(DATA, p));
const osv = (p: string) => JSON.parse(data(`osv/${p}`).toString());
const CHANGED = 'dev.vigil.policy.validation.changed.v1';
const ALPINE_3_18 = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.18.2\nPRETTY_NAME="Alpine Linux v3.18"\n';
const ENV = { VIGIL_INSECURE_REGISTRIES: '127.0.0.1', VIGIL_ALLOW_PRIVATE_TARGETS: 'true', VIGIL_DELIVERY_RETRY_BASE_MS: '200', VIGIL_DELIVERY_TIMEOUT_MS: '2000' };
const fakeDigest = (n: number) => `sha256:${n.toString(16).padStart(64, 'e')}`;

/**
 * Not from ../shared/data (it holds no CRITICAL record): an OSV record written
 * for this test, CVSS 3.1 AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H = 9.8, CRITICAL,
 * affecting npm left-pad below 1.3.0.
 */
const CRITICAL_ADVISORY = {
  schema_version: '1.6.0',
  id: 'OSV-2026-9001',
  modified: '2026-01-02T00:00:00Z',
  published: '2026-01-01T00:00:00Z',
  aliases: ['CVE-2026-0000001'],
  summary: 'left-pad runs arbitrary code (test record)',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
  affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.3.0' }] }] }],
};

const npmSbom = (...components: [string, string][]) => ({
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  version: 1,
  components: components.map(([name, version]) => ({ type: 'library', name, version, purl: `pkg:npm/${name}@${version}` })),
});

interface ChangedEvent {
  id: string;
  data: { clusterId: string; imageDigest: string; policies: Record<string, { valid: boolean; change: string; diagnostic: string }> };
}

async function layer(entries: { name: string; data: Buffer | string }[]) {
  const tar = pack();
  for (const e of entries) tar.entry({ name: e.name, mtime: new Date(0) }, e.data);
  tar.finalize();
  const parts: Buffer[] = [];
  for await (const c of tar) parts.push(c as Buffer);
  const raw = Buffer.concat(parts);
  return { gz: blob('application/vnd.oci.image.layer.v1.tar+gzip', gzipSync(raw)), diffId: sha256(raw) };
}

/** A one-layer Alpine 3.18 image whose apk database is the real one in pkgdb (15 packages, musl 1.2.4-r0, busybox 1.36.0-r9). */
async function alpineImage() {
  const l = await layer([
    { name: 'etc/os-release', data: ALPINE_3_18 },
    { name: 'lib/apk/db/installed', data: data('pkgdb/apk/scalibr-alpine-installed') },
  ]);
  const config = blob('application/vnd.oci.image.config.v1+json', Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [l.diffId] } })));
  const manifest = blob(
    'application/vnd.oci.image.manifest.v1+json',
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: descriptor(config), layers: [descriptor(l.gz)] })),
  );
  return { manifest, config, layers: [l.gz] };
}

describe('supply-chain facts in continuous verification and admission', () => {
  let registry: RunningRegistry;
  let api: ApiHarness;
  let db: Client;
  let worker: INestApplicationContext;
  let sink: CloudEventsSink;
  let acme: TenantFixture;
  let dead: string;
  let alpine: { ref: string; digest: string };
  let prod: { id: string; agent: AgentClient; seq: number };

  async function cluster(name: string) {
    const created = await api.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name } });
    expect(created.status).toBe(201);
    return { id: created.body.id as string, agent: await AgentClient.register(api, created.body.registrationToken), seq: 0 };
  }

  async function run(c: { agent: AgentClient; seq: number }, pods: { uid: string; ref: string; digest: string; op?: 'upsert' | 'delete' }[]) {
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
        name: `${p.uid}-pod`,
        node: 'node-1',
        owner: { kind: 'Deployment', name: p.uid },
        observedAt: at,
        containers: p.op === 'delete' ? [] : [{ name: 'app', type: 'container', image: p.ref, imageDigest: p.digest, startedAt: at }],
      })),
    });
    expect(res.status).toBe(200);
  }

  async function policy(document: string) {
    const res = await api.request('POST', '/v1/policies', { token: acme.owner.token, body: { groupId: acme.rootGroupId, document } });
    if (res.status !== 201) throw new Error(`policy: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async function upload(digest: string, sbom: unknown) {
    const res = await api.request('PUT', `/v1/images/${digest}/sbom`, { token: acme.owner.token, body: sbom });
    expect(res.status).toBe(200);
  }

  async function events(clusterId: string, policyName: string): Promise<ChangedEvent[]> {
    const { rows } = await db.query(`SELECT id, data FROM events WHERE type = $1 AND data->>'clusterId' = $2 AND data->'policies' ? $3 ORDER BY seq`, [CHANGED, clusterId, policyName]);
    return rows;
  }

  const changes = (list: ChangedEvent[], policyName: string) => list.map((e) => `${e.data.imageDigest} ${e.data.policies[policyName].change} ${e.data.policies[policyName].valid}`).sort();

  async function openViolations(clusterId: string, policyName: string): Promise<{ image: { digest: string }; reasons: string[] }[]> {
    const res = await api.request('GET', `/v1/violations?state=open&clusterId=${clusterId}`, { token: acme.owner.token });
    expect(res.status).toBe(200);
    return res.body.items.filter((v: { policy: { name: string } }) => v.policy.name === policyName);
  }

  beforeAll(async () => {
    registry = await startRegistry();
    dead = `127.0.0.1:${await freePort()}`;
    const client = new RegistryClient({ insecureRegistries: [registry.host], allowPrivateTargets: true });
    alpine = { ref: `${registry.host}/scv/alpine:3.18`, digest: await pushImage(client, { registry: registry.host, repository: 'scv/alpine' }, '3.18', await alpineImage()) };
    await client.close();

    api = await ApiHarness.start(ENV);
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    acme = await createTenant(api, 'scv-acme');
    // Periodic sweeps would only repeat what the triggers do; keep them out of the way.
    expect((await api.request('PUT', '/v1/verification/schedule', { token: acme.owner.token, body: { intervalSeconds: 3600 } })).status).toBe(200);
    sink = await CloudEventsSink.start();
    const sub = await api.request('POST', '/v1/subscriptions', { token: acme.owner.token, body: { groupId: acme.rootGroupId, sink: sink.url, types: [CHANGED] } });
    expect(sub.status).toBe(201);
    sink.secret = sub.body.secret;

    await policy(imagePolicy('scv-vulns', `images: [{glob: "${registry.host}/scv/**"}, {glob: "${dead}/vuln/**"}]\nmode: enforce\nvulnerabilities: {maxSeverity: high}`));
    await policy(
      imagePolicy('scv-no-busybox', `images: [{glob: "${registry.host}/scv/**"}]\nmode: warn\npolicy:\n  type: cel\n  data: 'image.sbom.available && !image.sbom.packages.exists(p, p.name == "busybox")'`),
    );
    prod = await cluster('scv-prod');

    const config = loadPlatformConfig({ DATABASE_URL: api.databaseUrl, REDIS_URL: TEST_REDIS_URL, VIGIL_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent', ...ENV });
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, { queuePrefix: api.queuePrefix }), { logger: false });
    await worker.init();
  }, 90_000);

  afterAll(async () => {
    await worker?.close();
    await db?.end();
    await api?.stop();
    await sink?.stop();
    await registry?.stop();
  });

  it('derives the SBOM of a newly observed digest in the worker from the registry, then evaluates it on that SBOM', async () => {
    await run(prod, [{ uid: 'base', ...alpine }]);

    const sbom = await until('the worker-derived SBOM', async () => {
      const res = await api.request('GET', `/v1/images/${alpine.digest}`, { token: acme.owner.token });
      return res.body?.sbom ?? undefined;
    });
    expect(sbom).toEqual(expect.objectContaining({ source: 'catalog', shared: true, packageCount: 15 }));

    // Both policies read supply-chain facts: their first (and only) results come from the SBOM, not "not scanned yet".
    const vulns = await until('the scv-vulns result', async () => ((await events(prod.id, 'scv-vulns')).length > 0 ? events(prod.id, 'scv-vulns') : undefined));
    const busybox = await until('the scv-no-busybox result', async () => ((await events(prod.id, 'scv-no-busybox')).length > 0 ? events(prod.id, 'scv-no-busybox') : undefined));
    expect(changes(vulns, 'scv-vulns')).toEqual([`${alpine.digest} new true`]);
    expect(changes(busybox, 'scv-no-busybox')).toEqual([`${alpine.digest} new false`]);
    expect(busybox[0].data.policies['scv-no-busybox'].diagnostic).toMatch(/CEL expression `image.sbom.available && !image.sbom.packages.exists/);
    expect(busybox[0].data.policies['scv-no-busybox'].diagnostic).not.toMatch(/not been scanned/);
    const [violation] = await openViolations(prod.id, 'scv-no-busybox');
    expect(violation.image.digest).toBe(alpine.digest);
    expect(violation.reasons.join(' ')).not.toMatch(/not been scanned/);

    // The evaluation is stored after the SBOM (ordering in the database, not timing), and the wait left no failure behind.
    const { rows } = await db.query(
      `SELECT e.first_checked >= s.created_at AS after_sbom FROM evaluations e JOIN image_sboms s ON s.digest = e.image_digest AND s.org_id IS NULL
        WHERE e.org_id = $1 AND e.cluster_id = $2 AND e.image_digest = $3`,
      [acme.orgId, prod.id, alpine.digest],
    );
    expect(rows).toEqual([{ after_sbom: true }, { after_sbom: true }]);
    const failures = await api.request('GET', `/v1/verification/failures?clusterId=${prod.id}`, { token: acme.owner.token });
    expect(failures.body.items).toEqual([]);
  }, 60_000);

  it('opens violations after an advisory import for exactly the running images whose matches became blocking, with degraded events', async () => {
    const images = {
      web: { uid: 'web', ref: `${dead}/vuln/web:1`, digest: fakeDigest(1), sbom: npmSbom(['ansi-html', '0.0.1']) }, // GHSA-whgm (HIGH) affects < 0.0.8
      api: { uid: 'api', ref: `${dead}/vuln/api:1`, digest: fakeDigest(2), sbom: npmSbom(['ansi-html', '0.0.8']) }, // fixed version: no match
      batch: { uid: 'batch', ref: `${dead}/vuln/batch:1`, digest: fakeDigest(3), sbom: npmSbom(['semver', '7.3.8']) }, // GHSA-c2qf matches, MODERATE only
      gone: { uid: 'gone', ref: `${dead}/vuln/gone:1`, digest: fakeDigest(4), sbom: npmSbom(['ansi-html', '0.0.1']) }, // affected, but stops running
    };
    await run(prod, Object.values(images));
    for (const image of Object.values(images)) await upload(image.digest, image.sbom);
    // Each stored SBOM re-verifies its image: a first result per image, all passing (no advisories yet).
    const first = await until('first results of the uploaded images', async () => {
      const list = (await events(prod.id, 'scv-vulns')).filter((e) => e.data.imageDigest !== alpine.digest);
      return list.length >= 4 ? list : undefined;
    });
    expect(changes(first, 'scv-vulns')).toEqual(Object.values(images).map((i) => `${i.digest} new true`).sort());
    await run(prod, [{ ...images.gone, op: 'delete' }]);

    const { rows: [{ now: importedAt }] } = await db.query(`SELECT clock_timestamp() AS now`);
    const imported = await api.request('POST', '/v1/advisories/import', {
      token: TEST_ADMIN_TOKEN,
      body: [osv('npm/GHSA-whgm-jr23-g3j9.json'), osv('npm/GHSA-c2qf-rxjj-qqgw.json'), osv('alpine/ALPINE-CVE-2025-26519.json'), CRITICAL_ADVISORY],
    });
    expect(imported.status).toBe(200);
    expect(imported.body).toEqual(expect.objectContaining({ imported: 4, rejected: [] }));

    // web (ansi-html 0.0.1) and the shared, cataloged alpine SBOM (musl 1.2.4-r0, HIGH) degrade.
    const expected = [`${images.web.digest} degraded false`, `${alpine.digest} degraded false`].sort();
    const degraded = await until('two degraded events', async () => {
      const list = (await events(prod.id, 'scv-vulns')).filter((e) => e.data.policies['scv-vulns'].change === 'degraded');
      return list.length >= 2 ? list : undefined;
    });
    expect(changes(degraded, 'scv-vulns')).toEqual(expected);
    // batch's matches changed too (MODERATE): re-verified, still passing, so no event; api's did not change: not re-verified.
    await until('batch re-verified', async () => {
      const { rows } = await db.query(`SELECT 1 FROM evaluations WHERE cluster_id = $1 AND image_digest = $2 AND last_checked > $3`, [prod.id, images.batch.digest, importedAt]);
      return rows.length > 0 ? true : undefined;
    });
    // A deferral's backoff may leave a re-check due in up to 30 s; it changes nothing.
    await until('nothing left due in the cluster', async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM verification_targets WHERE cluster_id = $1 AND due_at IS NOT NULL`, [prod.id]);
      return rows[0].n === 0 ? true : undefined;
    }, 60_000);
    const { rows: apiChecks } = await db.query(`SELECT last_checked > $3 AS rechecked FROM evaluations WHERE cluster_id = $1 AND image_digest = $2`, [prod.id, images.api.digest, importedAt]);
    expect(apiChecks).toEqual([{ rechecked: false }]);

    const all = await events(prod.id, 'scv-vulns');
    expect(changes(all, 'scv-vulns')).toEqual([...Object.values(images).map((i) => `${i.digest} new true`), `${alpine.digest} new true`, ...expected].sort());
    const open = await openViolations(prod.id, 'scv-vulns');
    expect(open.map((v) => v.image.digest).sort()).toEqual([images.web.digest, alpine.digest].sort());
    expect(open.find((v) => v.image.digest === images.web.digest)!.reasons.join(' ')).toMatch(/GHSA-whgm-jr23-g3j9 \(HIGH, ansi-html 0.0.1, fixed in 0.0.8\)/);
    expect(open.find((v) => v.image.digest === alpine.digest)!.reasons.join(' ')).toMatch(/ALPINE-CVE-2025-26519 \(HIGH, musl/);

    // The subscriber receives the degraded events.
    const ids = degraded.map((e) => e.id);
    await sink.waitFor(() => ids.every((id) => sink.received.some((r) => r.event.id === id)), 'the degraded events at the sink');
    expect(sink.rejected).toEqual([]);
  }, 150_000);

  it('denies at admission an image whose stored SBOM has a critical vulnerability, and reads vulnerabilities in CEL', async () => {
    await policy(imagePolicy('scv-gate', `images: [{glob: "${dead}/gate/**"}]\nmode: enforce\nvulnerabilities: {maxSeverity: critical}`));
    await policy(imagePolicy('scv-gate-cel', `images: [{glob: "${dead}/gate/**"}]\nmode: warn\npolicy:\n  type: cel\n  data: '!image.vulnerabilities.exists(v, v.id == "GHSA-whgm-jr23-g3j9")'`));
    const gate = await cluster('scv-gate');
    const critical = { uid: 'pad', ref: `${dead}/gate/pad:1`, digest: fakeDigest(11) };
    const high = { uid: 'html', ref: `${dead}/gate/html:1`, digest: fakeDigest(12) };
    await run(gate, [critical, high]);
    await upload(critical.digest, npmSbom(['left-pad', '1.0.0']));
    await upload(high.digest, npmSbom(['ansi-html', '0.0.1']));

    const admit = (ref: string) =>
      gate.agent.send('POST', '/v1/agent/admission', {
        uid: randomUUID(),
        kind: 'Deployment',
        namespace: 'shop',
        name: 'web',
        operation: 'CREATE',
        labels: { app: 'web' },
        images: [{ container: 'c0', type: 'container', ref }],
      });

    const denied = await admit(`${dead}/gate/pad@${critical.digest}`);
    expect(denied.status).toBe(200);
    expect(denied.body.allowed).toBe(false);
    expect(denied.body.reasons.join(' ')).toMatch(/OSV-2026-9001 \(CRITICAL, left-pad 1.0.0, fixed in 1.3.0\)/);

    // HIGH only: below the enforce policy's threshold; the warn policy's CEL over image.vulnerabilities finds the GHSA.
    const warned = await admit(`${dead}/gate/html@${high.digest}`);
    expect(warned.body).toEqual(expect.objectContaining({ allowed: true, reasons: [] }));
    expect(warned.body.warnings.join(' ')).toMatch(/scv-gate-cel/);

    // Never seen and no SBOM: not scanned, denied, and its SBOM is queued (never derived within the request).
    const unknown = fakeDigest(13);
    const unscanned = await admit(`${dead}/gate/new@${unknown}`);
    expect(unscanned.body.allowed).toBe(false);
    expect(unscanned.body.reasons.join(' ')).toMatch(/has not been scanned for vulnerabilities yet/);
    const queue = new Queue('sbom', { connection: { url: TEST_REDIS_URL }, prefix: api.queuePrefix });
    try {
      const job = await until('the queued sbom job', async () => (await queue.getJob(sbomJobId({ orgId: acme.orgId, digest: unknown }))) ?? undefined, 10_000);
      expect(job.data).toEqual({ orgId: acme.orgId, digest: unknown, ref: `${dead}/gate/new@${unknown}` });
    } finally {
      await queue.close();
    }
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM image_sboms WHERE digest = $1`, [unknown]);
    expect(rows[0].n).toBe(0);
  }, 60_000);

  it('rebuilds lost sbom jobs from Postgres: running digests without an SBOM, and only those', async () => {
    const lab = await cluster('scv-lab');
    const lost = { uid: 'lost', ref: `${dead}/vuln/lost:1`, digest: fakeDigest(21) };
    await run(lab, [lost]);
    const queue = new Queue('sbom', { connection: { url: TEST_REDIS_URL }, prefix: api.queuePrefix });
    try {
      const id = sbomJobId({ orgId: acme.orgId, digest: lost.digest });
      // Queued on first observation; its registry is down, so it waits for a retry. Then Redis loses it.
      await until('the job removed from Redis', async () => {
        const job = await queue.getJob(id);
        if (!job) return undefined;
        return job.remove().then(() => true, () => undefined); // an active job is locked: try again
      });
      expect(await queue.getJob(id)).toBeUndefined();

      const report = await worker.get(SbomJobsService).sweep();
      expect(report.orgs).toBeGreaterThan(0);
      const rebuilt = await queue.getJob(id);
      expect(rebuilt?.data).toEqual({ orgId: acme.orgId, digest: lost.digest, ref: lost.ref });
      // The alpine image has its SBOM (its job completed and left Redis): nothing to rebuild for it.
      expect(await queue.getJob(sbomJobId({ orgId: acme.orgId, digest: alpine.digest }))).toBeUndefined();
    } finally {
      await queue.close();
    }
  }, 60_000);
});
