import type { INestApplicationContext } from '@nestjs/common';
import IORedis from 'ioredis';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { AgentClient } from '../support/agent-client';
import { ApiHarness, TEST_ADMIN_TOKEN, TEST_REDIS_URL } from '../support/api-harness';
import { imagePolicy } from '../support/policy-fixtures';
import { createTenant, TenantFixture } from '../support/tenant-fixtures';
import { startWorker, until } from '../support/worker-harness';

// Re-matching after an advisory import runs in the worker (`advisory.match`),
// off the request path, with `advisory_matches_due` in Postgres as its to-do
// list. Real Postgres, Redis, worker; OSV records from ../shared/data.

const DATA = resolve(__dirname, '../../../shared/data');
const osv = (p: string) => JSON.parse(readFileSync(resolve(DATA, `osv/${p}`)).toString());
const CHANGED = 'dev.vigil.policy.validation.changed.v1';
const fakeDigest = (n: number) => `sha256:${n.toString(16).padStart(64, 'a')}`;
const npmSbom = (...components: [string, string][]) => ({
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  version: 1,
  components: components.map(([name, version]) => ({ type: 'library', name, version, purl: `pkg:npm/${name}@${version}` })),
});

// GHSA-whgm-jr23-g3j9 (HIGH): ansi-html < 0.0.8. GHSA-c2qf-rxjj-qqgw (MODERATE): semver [7.0.0, 7.5.2).
const IMAGES = {
  web: { uid: 'web', ref: 'registry.invalid/am/web:1', digest: fakeDigest(1), sbom: npmSbom(['ansi-html', '0.0.1']) }, // affected by GHSA-whgm
  api: { uid: 'api', ref: 'registry.invalid/am/api:1', digest: fakeDigest(2), sbom: npmSbom(['ansi-html', '0.0.8']) }, // fixed version
  batch: { uid: 'batch', ref: 'registry.invalid/am/batch:1', digest: fakeDigest(3), sbom: npmSbom(['semver', '7.3.8']) }, // GHSA-c2qf, moderate
  tool: { uid: 'tool', ref: 'registry.invalid/am/tool:1', digest: fakeDigest(4), sbom: npmSbom(['left-pad', '1.0.0']) }, // no record names it
};

describe('advisory re-matching in the worker', () => {
  let api: ApiHarness;
  let db: Client;
  let redis: IORedis;
  let acme: TenantFixture;
  let clusterId: string;
  let worker: INestApplicationContext | undefined;
  const admin = { token: TEST_ADMIN_TOKEN };

  const importJson = (body: unknown) => api.request('POST', '/v1/advisories/import', { ...admin, body });
  const vulnerabilities = async (digest: string) => ((await api.request('GET', `/v1/images/${digest}`, { token: acme.owner.token })).body.vulnerabilities as { id: string }[]).map((v) => v.id).sort();
  const status = async () => (await api.request('GET', '/v1/advisory-matching', admin)).body;
  const openViolations = async () => {
    const res = await api.request('GET', `/v1/violations?state=open&clusterId=${clusterId}`, { token: acme.owner.token });
    return (res.body.items as { image: { digest: string }; policy: { name: string } }[]).filter((v) => v.policy.name === 'am-vulns').map((v) => v.image.digest).sort();
  };
  const degraded = async () => {
    const { rows } = await db.query(`SELECT data->>'imageDigest' AS digest FROM events WHERE type = $1 AND data->'policies'->'am-vulns'->>'change' = 'degraded' ORDER BY 1`, [CHANGED]);
    return rows.map((r) => r.digest);
  };
  async function flushQueues(): Promise<void> {
    const keys = await redis.keys(`${api.queuePrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }

  beforeAll(async () => {
    api = await ApiHarness.start();
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    redis = new IORedis(TEST_REDIS_URL);
    acme = await createTenant(api, 'am-acme');
    expect((await api.request('PUT', '/v1/verification/schedule', { token: acme.owner.token, body: { intervalSeconds: 3600 } })).status).toBe(200);
    const policy = await api.request('POST', '/v1/policies', {
      token: acme.owner.token,
      body: { groupId: acme.rootGroupId, document: imagePolicy('am-vulns', `images: [{glob: "registry.invalid/am/**"}]\nmode: enforce\nvulnerabilities: {maxSeverity: high}`) },
    });
    expect(policy.status).toBe(201);
    const cluster = await api.request('POST', '/v1/clusters', { token: acme.owner.token, body: { groupId: acme.rootGroupId, name: 'am-prod' } });
    clusterId = cluster.body.id;
    const agent = await AgentClient.register(api, cluster.body.registrationToken);
    const at = new Date().toISOString();
    const sent = await agent.send('POST', '/v1/agent/inventory', {
      agentId: 'agent-1',
      sequence: 1,
      kind: 'delta',
      sentAt: at,
      pods: Object.values(IMAGES).map((i) => ({
        op: 'upsert', uid: i.uid, namespace: 'shop', name: `${i.uid}-pod`, node: 'node-1', owner: { kind: 'Deployment', name: i.uid }, observedAt: at,
        containers: [{ name: 'app', type: 'container', image: i.ref, imageDigest: i.digest, startedAt: at }],
      })),
    });
    expect(sent.status).toBe(200);
    for (const i of Object.values(IMAGES)) expect((await api.request('PUT', `/v1/images/${i.digest}/sbom`, { token: acme.owner.token, body: i.sbom })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    await db?.end();
    redis?.disconnect();
    await api?.stop();
  });

  it('answers the import once the advisories are committed, before any matching; a flushed Redis then loses nothing', async () => {
    // No worker yet: whatever the answer says, no image can have been re-matched by it.
    const res = await importJson([osv('npm/GHSA-whgm-jr23-g3j9.json'), osv('npm/GHSA-c2qf-rxjj-qqgw.json')]);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ imported: 2, matchesPending: 2, rejected: [] }));
    expect(await vulnerabilities(IMAGES.web.digest)).toEqual([]);
    expect(await status()).toEqual({ due: 2, failures: [] });
    const { rows } = await db.query(`SELECT advisory_id FROM advisory_matches_due ORDER BY 1`);
    expect(rows.map((r) => r.advisory_id)).toEqual(['GHSA-c2qf-rxjj-qqgw', 'GHSA-whgm-jr23-g3j9']);

    // The import's job is lost with Redis; the worker's sweep rebuilds it from Postgres.
    await flushQueues();
    worker = await startWorker(api);
    await until('the backlog drained', async () => ((await status()).due === 0 ? true : undefined), 45_000);

    expect(await vulnerabilities(IMAGES.web.digest)).toEqual(['GHSA-whgm-jr23-g3j9']);
    expect(await vulnerabilities(IMAGES.batch.digest)).toEqual(['GHSA-c2qf-rxjj-qqgw']);
    expect(await vulnerabilities(IMAGES.api.digest)).toEqual([]);
    expect(await vulnerabilities(IMAGES.tool.digest)).toEqual([]);
    // maxSeverity high fails HIGH and above: web (HIGH) fails, batch (MODERATE) passes.
    const expected = [IMAGES.web.digest];
    expect(await until('the violation of web', async () => ((await openViolations()).length > 0 ? openViolations() : undefined))).toEqual(expected);
    expect(await until('the degraded event of web', async () => ((await degraded()).length > 0 ? degraded() : undefined))).toEqual(expected);
  }, 90_000);

  it('with a worker running, an import opens violations for exactly the images with affected packages', async () => {
    const record = {
      id: 'OSV-2026-7001',
      modified: '2026-01-02T00:00:00Z',
      summary: 'left-pad (test record, HIGH by CVSS)',
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }],
      affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.3.0' }] }] }],
    };
    expect((await importJson(record)).body).toEqual(expect.objectContaining({ imported: 1, matchesPending: 1 }));
    const expected = [IMAGES.web.digest, IMAGES.tool.digest].sort();
    expect(await until('the violation of tool', async () => ((await openViolations()).length === 2 ? openViolations() : undefined))).toEqual(expected);
    expect(await vulnerabilities(IMAGES.tool.digest)).toEqual(['OSV-2026-7001']);
    expect(await until('the degraded event of tool', async () => ((await degraded()).length === 2 ? degraded() : undefined))).toEqual(expected);
    expect((await status()).due).toBe(0);
  }, 60_000);

  it('shows a re-match that failed after its last attempt, and finishes it once the fault is gone', async () => {
    await db.query(`ALTER FUNCTION vigil_sboms_to_rematch(text[]) RENAME TO vigil_sboms_to_rematch_away`);
    try {
      const updated = { ...osv('npm/GHSA-c2qf-rxjj-qqgw.json'), modified: '2031-01-01T00:00:00Z' };
      expect((await importJson(updated)).body).toEqual(expect.objectContaining({ updated: 1, matchesPending: 1 }));
      const failed = await until('the recorded failure', async () => ((await status()).failures.length > 0 ? status() : undefined), 45_000);
      expect(failed).toEqual({
        due: 1,
        failures: [{ advisoryId: 'GHSA-c2qf-rxjj-qqgw', revision: expect.any(String), failures: 1, lastError: expect.stringMatching(/vigil_sboms_to_rematch/), failedAt: expect.any(String), dueAt: expect.any(String) }],
      });
      // The viewer-side admin check: an org owner may not read platform state.
      expect((await api.request('GET', '/v1/advisory-matching', { token: acme.owner.token })).status).toBe(403);
    } finally {
      await db.query(`ALTER FUNCTION vigil_sboms_to_rematch_away(text[]) RENAME TO vigil_sboms_to_rematch`);
    }
    // Skip the backoff (30 s): the sweep then re-adds the job under a new id.
    await db.query(`UPDATE advisory_matches_due SET due_at = now() - interval '1 minute'`);
    await until('the failed re-match done', async () => ((await status()).due === 0 ? true : undefined), 45_000);
    expect(await status()).toEqual({ due: 0, failures: [] });
    expect(await vulnerabilities(IMAGES.batch.digest)).toEqual(['GHSA-c2qf-rxjj-qqgw']);
  }, 120_000);
});
