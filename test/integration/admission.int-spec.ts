import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { RegistryClient } from '../../libs/oci/src';
import { AgentClient } from '../support/agent-client';
import { ApiHarness } from '../support/api-harness';
import {
  attestationLayer,
  buildImage,
  dsseEnvelope,
  freePort,
  inTotoStatement,
  pushCosignManifest,
  pushImage,
  signatureLayer,
  signBytes,
  simpleSigningPayload,
  startRegistry,
  startSilentServer,
  type RunningRegistry,
  type RunningServer,
} from '../support/oci-registry';
import { ecKey, imagePolicy, sharedPolicy, signedSpec, type SigningKey } from '../support/policy-fixtures';
import { createTenant, TenantFixture } from '../support/tenant-fixtures';

const SLSA = 'https://slsa.dev/provenance/v0.2';
const TRUSTED_BUILDER = 'https://github.com/acme/builder@v1';

interface Pushed {
  ref: string;
  digest: string;
}

describe('admission decisions against a real registry', () => {
  const release = ecKey();
  const attacker = ecKey();
  let registry: RunningRegistry;
  let silent: RunningServer;
  let deadHost: string;
  let pusher: RegistryClient;
  let api: ApiHarness;
  let db: Client;
  let org: TenantFixture;
  let other: TenantFixture;
  const agents: Record<'allow' | 'warn' | 'deny' | 'otherOrg', AgentClient> = {} as never;
  const images: Record<string, Pushed> = {};

  async function push(repository: string, sign?: { key: SigningKey; tamper?: boolean }, attest?: { key: SigningKey; predicate: unknown }): Promise<Pushed> {
    const location = { registry: registry.host, repository };
    const digest = await pushImage(pusher, location, '1.0', await buildImage(repository));
    const name = `${registry.host}/${repository}`;
    if (sign) {
      const payload = simpleSigningPayload(name, digest, null);
      const signature = signBytes(sign.key.privateKey, payload);
      const signed = sign.tamper ? simpleSigningPayload(name, digest, { approved: true }) : payload;
      await pushCosignManifest(pusher, location, digest, 'sig', [signatureLayer(signed, signature)]);
    }
    if (attest) {
      const envelope = dsseEnvelope(attest.key.privateKey, inTotoStatement(name, digest, SLSA, attest.predicate));
      await pushCosignManifest(pusher, location, digest, 'att', [attestationLayer(envelope, SLSA)]);
    }
    return { ref: `${name}:1.0`, digest };
  }

  async function createPolicy(token: string, groupId: string, document: string): Promise<string> {
    const res = await api.request('POST', '/v1/policies', { token, body: { groupId, document } });
    if (res.status !== 201) throw new Error(`create policy: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  async function agentFor(tenant: TenantFixture, name: string, noMatch?: string): Promise<AgentClient> {
    const cluster = await api.request('POST', '/v1/clusters', { token: tenant.owner.token, body: { groupId: tenant.rootGroupId, name, ...(noMatch ? { noMatch } : {}) } });
    return AgentClient.register(api, cluster.body.registrationToken);
  }

  function admit(agent: AgentClient, refs: string[], over: Record<string, unknown> = {}) {
    return agent.send('POST', '/v1/agent/admission', {
      uid: randomUUID(),
      kind: 'Deployment',
      namespace: 'shop',
      name: 'web',
      operation: 'CREATE',
      labels: { app: 'web' },
      images: refs.map((ref, i) => ({ container: `c${i}`, type: 'container', ref })),
      user: { username: 'system:serviceaccount:ci:deployer' },
      ...over,
    });
  }

  beforeAll(async () => {
    registry = await startRegistry();
    silent = await startSilentServer();
    deadHost = `127.0.0.1:${await freePort()}`;
    pusher = new RegistryClient({ insecureRegistries: [registry.host], allowPrivateTargets: true });
    const good = { builder: { id: TRUSTED_BUILDER }, buildType: 'https://example.com/build@v1' };
    Object.assign(images, {
      signed: await push('signed/app', { key: release }),
      unsigned: await push('signed/unsigned'),
      tampered: await push('signed/tampered', { key: release, tamper: true }),
      wrongKey: await push('signed/wrong-key', { key: attacker }),
      attestedGood: await push('attested/good', undefined, { key: release, predicate: good }),
      attestedBad: await push('attested/bad', undefined, { key: release, predicate: { ...good, builder: { id: 'https://evil.example/builder' } } }),
      attestedForged: await push('attested/forged', undefined, { key: attacker, predicate: good }),
      warned: await push('warned/app'),
      demo: await push('e2e/demo-app'),
      cip: await push('cip/app', { key: release }),
      labelled: await push('labelled/app'),
      free: await push('free/app'),
    });

    api = await ApiHarness.start({ VIGIL_INSECURE_REGISTRIES: '127.0.0.1', VIGIL_ALLOW_PRIVATE_TARGETS: 'true' });
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
    org = await createTenant(api, 'admission-a');
    other = await createTenant(api, 'admission-b');
    const token = org.owner.token;
    const root = org.rootGroupId;
    const host = registry.host;
    await createPolicy(token, root, imagePolicy('signed-only', signedSpec(`${host}/signed/**`, release)));
    await createPolicy(
      token,
      root,
      imagePolicy(
        'trusted-builder',
        signedSpec(`${host}/attested/**`, release, {
          attestations: [
            'attestations:',
            '  - name: provenance',
            `    predicateType: ${SLSA}`,
            `    policy: {type: cel, data: 'predicate.builder.id == "${TRUSTED_BUILDER}"'}`,
          ].join('\n'),
        }),
      ),
    );
    await createPolicy(token, root, imagePolicy('signed-warn', signedSpec(`${host}/warned/**`, release, { mode: 'warn' })));
    await createPolicy(token, root, imagePolicy('dead-registry', signedSpec(`${deadHost}/**`, release)));
    await createPolicy(token, root, imagePolicy('silent-registry', signedSpec(`${silent.host}/**`, release)));
    await createPolicy(
      token,
      root,
      imagePolicy('secure-tier', `images: [{glob: "${host}/labelled/**"}]\nmatch: [{resource: deployments, selector: {matchLabels: {tier: secure}}}]\nauthorities: [{static: {action: fail, message: "secure tier needs signed images"}}]`),
    );
    // sigstore's own example, unchanged: `**demo**` images pass without checks.
    await createPolicy(token, root, sharedPolicy('policy-controller-cip-static-pass.yaml'));
    // A policy-controller ClusterImagePolicy (v1beta1) as teams bring them, with our key.
    await createPolicy(
      token,
      root,
      [
        'apiVersion: policy.sigstore.dev/v1beta1',
        'kind: ClusterImagePolicy',
        'metadata: {name: cip-release-key}',
        'spec:',
        `  images: [{glob: "${host}/cip/**"}]`,
        '  authorities:',
        '    - key:',
        '        data: |',
        ...release.pem.trim().split('\n').map((l) => `          ${l}`),
      ].join('\n'),
    );

    agents.allow = await agentFor(org, 'allow-cluster', 'allow');
    agents.warn = await agentFor(org, 'warn-cluster', 'warn');
    agents.deny = await agentFor(org, 'deny-cluster', 'deny');
    agents.otherOrg = await agentFor(other, 'other-cluster', 'deny');
    await createPolicy(other.owner.token, other.rootGroupId, imagePolicy('everything-passes', 'images: [{glob: "**"}]\nauthorities: [{static: {action: pass}}]'));
  });

  afterAll(async () => {
    await db?.end();
    await api?.stop();
    await pusher?.close();
    await silent?.stop();
    await registry?.stop();
  });

  it('allows an image signed with the policy key, resolving its tag to the digest', async () => {
    const res = await admit(agents.deny, [images.signed.ref]);
    expect(res.status).toBe(200);
    const beat = await agents.deny.heartbeat();
    expect(res.body).toEqual({
      allowed: true,
      warnings: [],
      reasons: [],
      policyStateToken: beat.body.policyStateToken,
      decisions: [{ image: images.signed.ref, digest: images.signed.digest, allowed: true, warnings: [], reasons: [], cacheTtlSeconds: 30 }],
    });
    const pinned = await admit(agents.deny, [`${images.signed.ref.replace(':1.0', '')}@${images.signed.digest}`]);
    expect(pinned.body.decisions[0]).toMatchObject({ allowed: true, digest: images.signed.digest, cacheTtlSeconds: 300 });
  });

  it('denies an unsigned image, one signed by another key, and one whose signature was tampered with', async () => {
    for (const [name, extra] of [['unsigned', undefined], ['wrongKey', 'signature does not verify with key release'], ['tampered', 'signature does not verify with key release']] as const) {
      const res = await admit(agents.allow, [images[name].ref]);
      expect({ name, allowed: res.body.allowed }).toEqual({ name, allowed: false });
      expect(res.body.reasons[0]).toBe(
        `image ${images[name].ref}@${images[name].digest} has no signature verified by key 'release' (authority 'release-authority' of policy 'signed-only')`,
      );
      if (extra) expect(res.body.reasons.join('\n')).toContain(extra);
      expect(res.body.decisions[0]).toMatchObject({ allowed: false, digest: images[name].digest, cacheTtlSeconds: 10 });
    }
  });

  it('evaluates CEL over verified attestation predicates', async () => {
    expect((await admit(agents.deny, [images.attestedGood.ref])).body.allowed).toBe(true);
    const bad = await admit(agents.deny, [images.attestedBad.ref]);
    expect(bad.body.allowed).toBe(false);
    expect(bad.body.reasons[0]).toContain(`no ${SLSA} attestation satisfies attestation 'provenance' of authority 'release-authority' of policy 'trusted-builder'`);
    expect(bad.body.reasons[0]).toContain(`CEL expression \`predicate.builder.id == "${TRUSTED_BUILDER}"\` evaluated to false`);
    const forged = await admit(agents.deny, [images.attestedForged.ref]);
    expect(forged.body.allowed).toBe(false);
    expect(forged.body.reasons[0]).toContain(`has no ${SLSA} attestation verified by key 'release'`);
  });

  it('admits with a warning under a warn-mode policy, and records it as warned', async () => {
    const res = await admit(agents.deny, [images.warned.ref], { uid: 'warned-request-1' });
    expect(res.body).toMatchObject({ allowed: true, reasons: [] });
    expect(res.body.warnings).toEqual([expect.stringContaining("has no signature verified by key 'release' (authority 'release-authority' of policy 'signed-warn')")]);
    const { rows } = await db.query(`SELECT outcome, kind, namespace, name, admission_user, images FROM admission_decisions WHERE request_uid = 'warned-request-1'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'warned', kind: 'Deployment', namespace: 'shop', name: 'web', admission_user: { username: 'system:serviceaccount:ci:deployer' } });
    expect(rows[0].images[0]).toMatchObject({ container: 'c0', ref: images.warned.ref, digest: images.warned.digest, allowed: true, policies: [{ name: 'signed-warn', revision: 1, mode: 'warn', valid: false }] });
  });

  it("applies each cluster's no-match behaviour to images no policy matches, without asking the registry", async () => {
    const allow = await admit(agents.allow, [images.free.ref]);
    expect(allow.body).toMatchObject({ allowed: true, warnings: [], reasons: [] });
    expect(allow.body.decisions[0]).not.toHaveProperty('digest');
    const warn = await admit(agents.warn, [images.free.ref]);
    expect(warn.body).toMatchObject({ allowed: true, warnings: [`image ${images.free.ref} matches no policy`], reasons: [] });
    const deny = await admit(agents.deny, [images.free.ref]);
    expect(deny.body).toMatchObject({ allowed: false, reasons: [`image ${images.free.ref} matches no policy and this cluster denies unmatched images`] });
    const unreachable = await admit(agents.allow, ['quay.io/nobody/asked:1.0']);
    expect(unreachable.body.allowed).toBe(true);
  });

  it('decides every image of a request and allows it only if all pass (recorded as denied)', async () => {
    const res = await admit(agents.deny, [images.signed.ref, images.unsigned.ref, images.signed.ref], { uid: 'mixed-request-1' });
    expect(res.body.allowed).toBe(false);
    expect(res.body.decisions.map((d: { image: string; allowed: boolean }) => [d.image, d.allowed])).toEqual([
      [images.signed.ref, true],
      [images.unsigned.ref, false],
    ]);
    const { rows } = await db.query(`SELECT outcome, jsonb_array_length(images) AS n, reasons FROM admission_decisions WHERE request_uid = 'mixed-request-1'`);
    expect(rows).toEqual([{ outcome: 'denied', n: 3, reasons: res.body.reasons }]);
  });

  it('keeps verified facts per (org, digest, key) in the database', async () => {
    const { rows } = await db.query(`SELECT org_id, jsonb_array_length(signatures) AS n FROM verified_image_facts WHERE digest = $1`, [images.signed.digest]);
    expect(rows).toEqual([{ org_id: org.orgId, n: 1 }]);
    const unsigned = await db.query(`SELECT 1 FROM verified_image_facts WHERE digest = $1`, [images.unsigned.digest]);
    expect(unsigned.rows).toEqual([]); // "nothing verified" is re-checked, not kept
  });

  it('accepts sigstore ClusterImagePolicy documents unchanged, and fails closed where they ask for a transparency log', async () => {
    expect((await admit(agents.deny, [images.cip.ref])).body.allowed).toBe(true);
    const before = await admit(agents.deny, [images.demo.ref]);
    expect(before.body.allowed).toBe(true); // cip-static-pass: `**demo**` passes

    const id = await createPolicy(org.owner.token, org.rootGroupId, sharedPolicy('policy-controller-cip-key.yaml'));
    const after = await admit(agents.deny, [images.demo.ref]);
    expect(after.body.policyStateToken).not.toBe(before.body.policyStateToken);
    expect(after.body.allowed).toBe(false);
    expect(after.body.reasons[0]).toContain('with a transparency-log entry in http://rekor.rekor-system.svc');
    expect((await api.request('DELETE', `/v1/policies/${id}`, { token: org.owner.token })).status).toBe(204);
    const again = await admit(agents.deny, [images.demo.ref]);
    expect(again.body).toMatchObject({ allowed: true, policyStateToken: before.body.policyStateToken });
  });

  it('never lets the agent cache a verdict that depends on the object (spec.match)', async () => {
    const secure = await admit(agents.allow, [images.labelled.ref], { labels: { tier: 'secure' } });
    expect(secure.body.allowed).toBe(false);
    expect(secure.body.reasons[0]).toContain('secure tier needs signed images');
    expect(secure.body.decisions[0].cacheTtlSeconds).toBe(0);
    const plain = await admit(agents.allow, [images.labelled.ref], { labels: { tier: 'web' } });
    expect(plain.body.allowed).toBe(true);
    expect(plain.body.decisions[0].cacheTtlSeconds).toBe(0);
  });

  it('denies, with a clear reason and no caching, an image whose registry is down or does not answer', async () => {
    const down = await admit(agents.allow, [`${deadHost}/acme/app:1.0`]);
    expect(down.body.allowed).toBe(false);
    expect(down.body.decisions[0]).not.toHaveProperty('digest');
    expect(down.body.decisions[0].cacheTtlSeconds).toBe(0);
    expect(down.body.reasons.join('\n')).toMatch(new RegExp(`could not verify ${deadHost.replace(/\./g, '\\.')}/acme/app:1\\.0: registry ${deadHost.replace(/\./g, '\\.')} failed`));

    const pinnedDigest = `sha256:${'c'.repeat(64)}`;
    const pinned = await admit(agents.allow, [`${deadHost}/acme/app@${pinnedDigest}`]);
    expect(pinned.body.decisions[0]).toMatchObject({ allowed: false, digest: pinnedDigest, cacheTtlSeconds: 0 });
    expect(pinned.body.reasons[0]).toContain("has no signature verified by key 'release'");

    const slow = await admit(agents.allow, [`${silent.host}/acme/app:1.0`]);
    expect(slow.body.allowed).toBe(false);
    expect(slow.body.reasons.join('\n')).toContain(`could not resolve ${silent.host}/acme/app:1.0 to a digest within 2000 ms`);
    expect(slow.body.decisions[0].cacheTtlSeconds).toBe(0);
  });

  it('keeps tenants apart: policies, decisions and verified facts of one org never reach another', async () => {
    const res = await admit(agents.otherOrg, [images.unsigned.ref, images.free.ref]);
    expect(res.body).toMatchObject({ allowed: true, warnings: [], reasons: [] }); // only org B's own pass-all policy applies
    const otherToken = (await agents.otherOrg.heartbeat()).body.policyStateToken;
    expect(otherToken).not.toBe((await agents.deny.heartbeat()).body.policyStateToken);
    const asApp = new Client({ connectionString: api.databaseUrl, options: '-c role=vigil_app' });
    await asApp.connect();
    try {
      for (const table of ['admission_decisions', 'verified_image_facts', 'policies', 'policy_revisions']) {
        await asApp.query('BEGIN');
        await asApp.query(`SELECT set_config('app.org_id', $1, true)`, [other.orgId]);
        const { rows } = await asApp.query(`SELECT DISTINCT org_id FROM ${table}`);
        await asApp.query('ROLLBACK');
        expect({ table, orgs: rows.map((r) => r.org_id).filter((o) => o !== other.orgId) }).toEqual({ table, orgs: [] });
      }
    } finally {
      await asApp.end();
    }
  });

  it('refuses unsigned (401) and malformed (400) admission requests', async () => {
    const unsigned = await api.request('POST', '/v1/agent/admission', { body: { uid: 'x', kind: 'Pod', namespace: 'a', name: 'b', operation: 'CREATE', labels: {}, images: [] } });
    expect(unsigned.status).toBe(401);
    const malformed = await admit(agents.allow, [], { env: [{ name: 'SECRET', value: 'x' }] });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toContain('images');
    expect(malformed.body.message).toContain('env');
  });

  it('answers from verified facts it already holds while the registry is down', async () => {
    await registry.stop();
    const res = await admit(agents.deny, [`${images.signed.ref.replace(':1.0', '')}@${images.signed.digest}`]);
    expect(res.body).toMatchObject({ allowed: true, reasons: [] });
  });
});
