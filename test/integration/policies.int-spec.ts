import { Client } from 'pg';
import { AgentClient } from '../support/agent-client';
import { ApiHarness } from '../support/api-harness';
import { ecKey, imagePolicy, sharedPolicy, signedSpec } from '../support/policy-fixtures';
import { addMember, createTenant, Member, TenantFixture } from '../support/tenant-fixtures';

const release = ecKey();
const signedDoc = (name: string, glob = 'ghcr.io/acme/**') => imagePolicy(name, signedSpec(glob, release));

interface Org {
  tenant: TenantFixture;
  teamGroupId: string;
  otherGroupId: string;
  editor: Member; // editor on team only
  viewer: Member; // viewer on the root group
}

async function populate(api: ApiHarness, name: string): Promise<Org> {
  const tenant = await createTenant(api, name);
  const token = tenant.owner.token;
  const team = await api.request('POST', '/v1/groups', { token, body: { parentId: tenant.rootGroupId, name: 'team' } });
  const other = await api.request('POST', '/v1/groups', { token, body: { parentId: tenant.rootGroupId, name: 'other' } });
  const editor = await addMember(api, { orgId: tenant.orgId, actingToken: token, homeGroupId: team.body.id, groupId: team.body.id, role: 'editor', name: 'editor' });
  const viewer = await addMember(api, { orgId: tenant.orgId, actingToken: token, homeGroupId: tenant.rootGroupId, groupId: tenant.rootGroupId, role: 'viewer', name: 'viewer' });
  return { tenant, teamGroupId: team.body.id, otherGroupId: other.body.id, editor, viewer };
}

describe('policies API', () => {
  let api: ApiHarness;
  let a: Org;
  let b: Org;
  let db: Client;

  beforeAll(async () => {
    api = await ApiHarness.start();
    a = await populate(api, 'pol-a');
    b = await populate(api, 'pol-b');
    db = new Client({ connectionString: api.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await api?.stop();
  });

  const create = (token: string, groupId: string, document: unknown) => api.request('POST', '/v1/policies', { token, body: { groupId, document } });

  describe('create, read, update, delete', () => {
    it('creates a policy from YAML on a group and answers 201 {id, name, revision}', async () => {
      const res = await create(a.editor.token, a.teamGroupId, signedDoc('signed-acme'));
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.any(String), name: 'signed-acme', revision: 1, groupId: a.teamGroupId });
      const got = await api.request('GET', `/v1/policies/${res.body.id}`, { token: a.viewer.token });
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id: res.body.id, name: 'signed-acme', revision: 1, groupId: a.teamGroupId, apiVersion: 'vigil.dev/v1', kind: 'ImagePolicy', mode: 'enforce' });
      expect(got.body.document).toBe(signedDoc('signed-acme'));
    });

    it('accepts a JSON document as text and as an object', async () => {
      const doc = { apiVersion: 'vigil.dev/v1', kind: 'ImagePolicy', metadata: { name: 'json-doc' }, spec: { images: [{ glob: 'quay.io/**' }], authorities: [{ static: { action: 'pass' } }] } };
      const asText = await create(a.editor.token, a.teamGroupId, JSON.stringify(doc));
      expect(asText.status).toBe(201);
      const asObject = await create(a.editor.token, a.teamGroupId, { ...doc, metadata: { name: 'json-object' } });
      expect(asObject.status).toBe(201);
      const got = await api.request('GET', `/v1/policies/${asObject.body.id}`, { token: a.editor.token });
      expect(JSON.parse(got.body.document)).toEqual({ ...doc, metadata: { name: 'json-object' } });
    });

    it('makes every PUT a new immutable revision, lists revisions newest first, and diffs any two', async () => {
      const created = await create(a.editor.token, a.teamGroupId, signedDoc('evolving'));
      const id = created.body.id;
      const v2 = signedDoc('evolving', 'ghcr.io/acme/app*');
      const put = await api.request('PUT', `/v1/policies/${id}`, { token: a.editor.token, body: { document: v2 } });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ id, name: 'evolving', revision: 2, groupId: a.teamGroupId });
      const v3 = imagePolicy('evolving', signedSpec('ghcr.io/acme/app*', release, { mode: 'warn' }));
      expect((await api.request('PUT', `/v1/policies/${id}`, { token: a.editor.token, body: { document: v3 } })).body.revision).toBe(3);

      const list = await api.request('GET', `/v1/policies/${id}/revisions`, { token: a.viewer.token });
      expect(list.body.items.map((r: { revision: number; mode: string }) => [r.revision, r.mode])).toEqual([[3, 'warn'], [2, 'enforce'], [1, 'enforce']]);
      const paged = await api.request('GET', `/v1/policies/${id}/revisions?limit=2`, { token: a.viewer.token });
      const rest = await api.request('GET', `/v1/policies/${id}/revisions?limit=2&cursor=${paged.body.nextCursor}`, { token: a.viewer.token });
      expect([...paged.body.items, ...rest.body.items].map((r: { revision: number }) => r.revision)).toEqual([3, 2, 1]);
      expect(rest.body.nextCursor).toBeNull();

      const first = await api.request('GET', `/v1/policies/${id}/revisions/1`, { token: a.viewer.token });
      expect(first.body).toMatchObject({ revision: 1, document: signedDoc('evolving'), createdBy: { type: 'identity', id: a.editor.identityId } });
      const current = await api.request('GET', `/v1/policies/${id}`, { token: a.viewer.token });
      expect(current.body).toMatchObject({ revision: 3, mode: 'warn', document: v3 });

      const diff = await api.request('GET', `/v1/policies/${id}/revisions/1/diff/3`, { token: a.viewer.token });
      expect(diff.status).toBe(200);
      expect(diff.body.identical).toBe(false);
      expect(diff.body.diff).toContain('--- evolving revision 1\n+++ evolving revision 3\n');
      expect(diff.body.diff).toContain('\n-  images: [{glob: "ghcr.io/acme/**"}]\n+  images: [{glob: "ghcr.io/acme/app*"}]\n+  mode: warn\n');
      expect((await api.request('GET', `/v1/policies/${id}/revisions/2/diff/2`, { token: a.viewer.token })).body).toMatchObject({ identical: true, diff: '' });
      expect((await api.request('GET', `/v1/policies/${id}/revisions/1/diff/9`, { token: a.viewer.token })).status).toBe(404);
      expect((await api.request('GET', `/v1/policies/${id}/revisions/0`, { token: a.viewer.token })).status).toBe(400);
      expect((await api.request('GET', `/v1/policies/${id}/revisions/x/diff/1`, { token: a.viewer.token })).status).toBe(400);
    });

    it('keeps revisions immutable in the database: the app role cannot update them, and a trigger stops anyone else', async () => {
      const created = await create(a.editor.token, a.teamGroupId, signedDoc('frozen'));
      const asApp = new Client({ connectionString: api.databaseUrl, options: '-c role=vigil_app' });
      await asApp.connect();
      try {
        await asApp.query('BEGIN');
        await asApp.query(`SELECT set_config('app.org_id', $1, true)`, [a.tenant.orgId]);
        await expect(asApp.query(`UPDATE policy_revisions SET document = 'x' WHERE policy_id = $1`, [created.body.id])).rejects.toThrow(/permission denied/);
        await asApp.query('ROLLBACK');
        await asApp.query('BEGIN');
        await asApp.query(`SELECT set_config('app.org_id', $1, true)`, [a.tenant.orgId]);
        await expect(asApp.query(`DELETE FROM policy_revisions WHERE policy_id = $1`, [created.body.id])).rejects.toThrow(/permission denied/);
        await asApp.query('ROLLBACK');
      } finally {
        await asApp.end();
      }
      await expect(db.query(`UPDATE policy_revisions SET document = 'x' WHERE policy_id = $1`, [created.body.id])).rejects.toThrow(/immutable/);
      const { rows } = await db.query(`SELECT document FROM policy_revisions WHERE policy_id = $1`, [created.body.id]);
      expect(rows).toEqual([{ document: signedDoc('frozen') }]);
    });

    it('keeps names unique per org (409), also on rename, and frees the name of a deleted policy', async () => {
      const first = await create(a.editor.token, a.teamGroupId, signedDoc('unique-name'));
      const again = await create(a.editor.token, a.teamGroupId, signedDoc('unique-name'));
      expect(again.status).toBe(409);
      expect(again.body).toEqual({ statusCode: 409, error: 'Conflict', message: "a policy named 'unique-name' already exists in this organization" });
      expect((await create(b.tenant.owner.token, b.teamGroupId, signedDoc('unique-name'))).status).toBe(201);

      const second = await create(a.editor.token, a.teamGroupId, signedDoc('second-name'));
      const rename = await api.request('PUT', `/v1/policies/${second.body.id}`, { token: a.editor.token, body: { document: signedDoc('unique-name') } });
      expect(rename.status).toBe(409);
      const renamed = await api.request('PUT', `/v1/policies/${second.body.id}`, { token: a.editor.token, body: { document: signedDoc('renamed') } });
      expect(renamed.body).toMatchObject({ name: 'renamed', revision: 2 });

      expect((await api.request('DELETE', `/v1/policies/${first.body.id}`, { token: a.editor.token })).status).toBe(204);
      expect((await api.request('GET', `/v1/policies/${first.body.id}`, { token: a.editor.token })).status).toBe(404);
      expect((await api.request('PUT', `/v1/policies/${first.body.id}`, { token: a.editor.token, body: { document: signedDoc('unique-name') } })).status).toBe(404);
      expect((await api.request('DELETE', `/v1/policies/${first.body.id}`, { token: a.editor.token })).status).toBe(404);
      expect((await create(a.editor.token, a.teamGroupId, signedDoc('unique-name'))).status).toBe(201);
    });

    it('refuses a stale baseRevision with 409 and changes nothing', async () => {
      const created = await create(a.editor.token, a.teamGroupId, signedDoc('optimistic'));
      const ok = await api.request('PUT', `/v1/policies/${created.body.id}`, { token: a.editor.token, body: { document: signedDoc('optimistic'), baseRevision: 1 } });
      expect(ok.body.revision).toBe(2);
      const stale = await api.request('PUT', `/v1/policies/${created.body.id}`, { token: a.editor.token, body: { document: signedDoc('optimistic'), baseRevision: 1 } });
      expect(stale.status).toBe(409);
      expect((await api.request('GET', `/v1/policies/${created.body.id}`, { token: a.editor.token })).body.revision).toBe(2);
    });

    it('moves a policy to another group only for an editor of both groups', async () => {
      const created = await create(a.editor.token, a.teamGroupId, signedDoc('movable'));
      const denied = await api.request('PUT', `/v1/policies/${created.body.id}`, { token: a.editor.token, body: { document: signedDoc('movable'), groupId: a.otherGroupId } });
      expect(denied.status).toBe(404); // the editor cannot see the other group at all
      const moved = await api.request('PUT', `/v1/policies/${created.body.id}`, { token: a.tenant.owner.token, body: { document: signedDoc('movable'), groupId: a.otherGroupId } });
      expect(moved.body).toMatchObject({ groupId: a.otherGroupId, revision: 2 });
      expect((await api.request('GET', `/v1/policies/${created.body.id}`, { token: a.editor.token })).status).toBe(404);
    });

    it('lists what the caller can see, optionally by group, with cursor paging', async () => {
      const onRoot = await create(a.tenant.owner.token, a.tenant.rootGroupId, signedDoc('on-root'));
      const editorList = await api.request('GET', '/v1/policies?limit=1000', { token: a.editor.token });
      const names = editorList.body.items.map((p: { name: string }) => p.name);
      expect(names).toContain('signed-acme');
      expect(names).not.toContain('on-root'); // attached above the editor's group: not visible to them
      const viewerList = await api.request('GET', '/v1/policies?limit=1000', { token: a.viewer.token });
      expect(viewerList.body.items.map((p: { id: string }) => p.id)).toContain(onRoot.body.id);
      const byGroup = await api.request('GET', `/v1/policies?groupId=${a.tenant.rootGroupId}`, { token: a.viewer.token });
      expect(byGroup.body.items.map((p: { name: string }) => p.name)).toEqual(['on-root']);
      const page1 = await api.request('GET', '/v1/policies?limit=2', { token: a.viewer.token });
      const page2 = await api.request('GET', `/v1/policies?limit=2&cursor=${page1.body.nextCursor}`, { token: a.viewer.token });
      expect(page1.body.items).toHaveLength(2);
      expect(page2.body.items[0].id > page1.body.items[1].id).toBe(true);
      expect((await api.request('GET', '/v1/policies?groupId=nope', { token: a.viewer.token })).status).toBe(400);
    });

    it('records every change in the audit log', async () => {
      const created = await create(a.editor.token, a.teamGroupId, signedDoc('audited'));
      await api.request('PUT', `/v1/policies/${created.body.id}`, { token: a.editor.token, body: { document: signedDoc('audited') } });
      await api.request('DELETE', `/v1/policies/${created.body.id}`, { token: a.editor.token });
      const audit = await api.request('GET', '/v1/audit?limit=1000', { token: a.tenant.owner.token });
      const mine = audit.body.items.filter((e: { object: { id: string } }) => e.object.id === created.body.id);
      expect(mine.map((e: { action: string; details: { revision: number } }) => [e.action, e.details.revision])).toEqual([
        ['policy.delete', 2],
        ['policy.update', 2],
        ['policy.create', 1],
      ]);
    });
  });

  describe('refusals (400 listing every problem with its path)', () => {
    const refused = async (document: unknown) => {
      const res = await create(a.editor.token, a.teamGroupId, document);
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Bad Request');
      return res.body.message as string;
    };

    it.each([
      ['policy-controller-cip-keyless-warn.yaml', ['spec.authorities[0].keyless (line 24, column 5): keyless authorities are not supported yet']],
      ['policy-catalog-kubernetes-signed.yaml', ['spec.authorities[0].keyless (line 19, column 5)']],
      ['policy-controller-signed-by-aws-kms-key.yaml', ['spec.authorities[0].key.kms (line 36, column 7): KMS keys are not supported']],
      ['policy-controller-allow-only-pods.yaml', ['spec.policy.type (line 27, column 5): CUE policies are not supported']],
      ['policy-controller-custom-key-attestation-sbom-spdxjson.yaml', ['spec.authorities[0].attestations[0].policy.type (line 45, column 9): CUE']],
      ['policy-catalog-vuln-no-high-or-critical-rego.yaml', ['spec.authorities[0].attestations[0].policy.type (line 35, column 13): Rego policies are not supported']],
      [
        'policy-controller-cip-keyless-with-attestations-rego.yaml',
        ['spec.authorities[0].keyless (line 24, column 5)', 'spec.authorities[0].attestations[0].policy.type (line 35, column 9): Rego'],
      ],
      ['policy-catalog-privileged-containers-cue.yaml', ['spec.policy.includeSpec (line 23, column 5)', 'spec.policy.type (line 24, column 5): CUE']],
      [
        'policy-catalog-chainguard-images-attested-cue.yaml',
        ['spec.authorities[0].keyless (line 16, column 7)', 'spec.authorities[0].attestations[0].policy.type (line 27, column 13)', 'spec.authorities[0].attestations[1].policy.type (line 33, column 13)'],
      ],
    ])('refuses the shared example %s, naming every unsupported field', async (file, expected) => {
      const message = await refused(sharedPolicy(file));
      for (const part of expected) expect(message).toContain(part);
      expect(message.match(/document spec\./g)?.length).toBe(expected.length);
    });

    it.each([
      ['policy-controller-cip-static-pass.yaml', 'image-policy-static-pass'],
      ['policy-controller-cip-key.yaml', 'image-policy-key'],
      ['policy-controller-cip-match-resource-label.yaml', 'image-policy-match-label'],
      ['policy-catalog-certmanager-signed.yaml', 'certmanager-signed'],
    ])('accepts the shared example %s unchanged', async (file, name) => {
      const res = await create(a.editor.token, a.teamGroupId, sharedPolicy(file));
      expect(res.status).toBe(201);
      expect(res.body.name).toBe(name);
    });

    it('refuses syntax errors, unknown fields, bad CEL, bad keys and globs — all at once, with positions', async () => {
      const text =         [
          'apiVersion: vigil.dev/v1',
          'kind: ImagePolicy',
          'metadata: {name: many-problems}',
          'spec:',
          '  images: [{glob: "ghcr.io/acme/**"}]',
          '  colour: blue',
          '  authorities:',
          '    - key: {data: "not a pem"}',
          '  policy: {type: cel, data: "image.ref.startsWith(\'x\') &&"}',
        ].join('\n');
      const message = await refused(text);
      expect(message).toMatch(/^the policy document is refused \(\d+ problems\): /);
      expect(message).toContain('document spec.colour (line 6, column 3)');
      expect(message).toContain('document spec.authorities[0].key.data (line 8');
      expect(message).toContain('document spec.policy.data (line 9');
      // The same problems, located in the document, for editors that point at them.
      const { body } = await create(a.editor.token, a.teamGroupId, text);
      expect(body.errors).toHaveLength(Number(/\((\d+) problems\)/.exec(message)![1]));
      expect(body.errors).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ path: 'spec.colour', line: 6, column: 3 }),
          expect.objectContaining({ path: 'spec.authorities[0].key.data', line: 8 }),
          expect.objectContaining({ path: 'spec.policy.data', line: 9 }),
        ]),
      );
      for (const problem of body.errors) expect(message).toContain(`document ${problem.path} (line ${problem.line}, column ${problem.column}): ${problem.message}`);
    });

    it.each([
      ['invalid YAML', 'spec: [unclosed', /document .*line 1/],
      ['an unknown apiVersion', 'apiVersion: policy.example/v9\nkind: ImagePolicy\nmetadata: {name: x}\nspec: {}', /document apiVersion/],
      ['a missing name', 'apiVersion: vigil.dev/v1\nkind: ImagePolicy\nspec: {images: [{glob: "**"}], authorities: [{static: {action: pass}}]}', /document metadata/],
      ['an undeclared CEL variable', imagePolicy('cel-var', 'images: [{glob: "**"}]\npolicy: {type: cel, data: "request.user == \\"x\\""}'), /document spec\.policy\.data/],
    ])('refuses %s', async (_what, text, pattern) => {
      expect(await refused(text)).toMatch(pattern);
    });

    it('refuses a missing or empty document and a malformed groupId before touching the engine', async () => {
      const noDoc = await api.request('POST', '/v1/policies', { token: a.editor.token, body: { groupId: a.teamGroupId } });
      expect(noDoc.status).toBe(400);
      expect(noDoc.body.message).toContain('document: must be the policy document');
      expect((await create(a.editor.token, a.teamGroupId, '   ')).status).toBe(400);
      expect((await create(a.editor.token, a.teamGroupId, ['a'])).status).toBe(400);
      expect((await create(a.editor.token, 'not-a-uuid', signedDoc('x'))).status).toBe(400);
      const extra = await api.request('POST', '/v1/policies', { token: a.editor.token, body: { groupId: a.teamGroupId, document: signedDoc('x'), orgId: b.tenant.orgId } });
      expect(extra.status).toBe(400);
    });

    it('creates nothing when it refuses', async () => {
      await refused(sharedPolicy('policy-catalog-kubernetes-signed.yaml'));
      const list = await api.request('GET', '/v1/policies?limit=1000', { token: a.tenant.owner.token });
      expect(list.body.items.map((p: { name: string }) => p.name)).not.toContain('kubernetes-signed');
    });
  });

  describe('tenant isolation and roles', () => {
    let policyId: string;
    beforeAll(async () => {
      policyId = (await create(a.editor.token, a.teamGroupId, signedDoc('isolated'))).body.id;
      await api.request('PUT', `/v1/policies/${policyId}`, { token: a.editor.token, body: { document: signedDoc('isolated') } });
    });

    const endpoints = (id: string, groupId: string) => [
      { method: 'GET', path: `/v1/policies/${id}` },
      { method: 'PUT', path: `/v1/policies/${id}`, body: { document: signedDoc('pwned') } },
      { method: 'DELETE', path: `/v1/policies/${id}` },
      { method: 'GET', path: `/v1/policies/${id}/revisions` },
      { method: 'GET', path: `/v1/policies/${id}/revisions/1` },
      { method: 'GET', path: `/v1/policies/${id}/revisions/1/diff/2` },
      { method: 'POST', path: '/v1/policies', body: { groupId, document: signedDoc('intruder') } },
      { method: 'GET', path: `/v1/policies?groupId=${groupId}` },
    ];

    it("answers 404 to another org's owner on every endpoint, like for an object that never existed, and changes nothing", async () => {
      for (const e of endpoints(policyId, a.teamGroupId)) {
        const res = await api.request(e.method, e.path, { token: b.tenant.owner.token, body: e.body });
        expect({ ...e, status: res.status }).toEqual({ ...e, status: 404 });
      }
      const missing = await api.request('GET', '/v1/policies/00000000-0000-4000-8000-000000000000', { token: b.tenant.owner.token });
      const foreign = await api.request('GET', `/v1/policies/${policyId}`, { token: b.tenant.owner.token });
      expect(foreign.body.message.replace(policyId, 'ID')).toBe(missing.body.message.replace('00000000-0000-4000-8000-000000000000', 'ID'));
      const list = await api.request('GET', '/v1/policies?limit=1000', { token: b.tenant.owner.token });
      expect(list.body.items.map((p: { id: string }) => p.id)).not.toContain(policyId);
      const after = await api.request('GET', `/v1/policies/${policyId}`, { token: a.viewer.token });
      expect(after.body).toMatchObject({ name: 'isolated', revision: 2 });
    });

    it('lets viewers read (200) but not change (403)', async () => {
      for (const e of endpoints(policyId, a.teamGroupId)) {
        const res = await api.request(e.method, e.path, { token: a.viewer.token, body: e.body });
        const expected = e.method === 'GET' ? 200 : 403;
        expect({ ...e, status: res.status }).toEqual({ ...e, status: expected });
      }
    });

    it('answers 401 without a token on every endpoint', async () => {
      for (const e of [...endpoints(policyId, a.teamGroupId), { method: 'GET', path: '/v1/policies' }]) {
        const res = await api.request(e.method, e.path, { body: e.body });
        expect({ ...e, status: res.status }).toEqual({ ...e, status: 401 });
      }
    });
  });

  describe('policy state token', () => {
    it('changes in heartbeats exactly when an effective policy of the cluster changes', async () => {
      const cluster = await api.request('POST', '/v1/clusters', { token: a.tenant.owner.token, body: { groupId: a.teamGroupId, name: 'token-cluster' } });
      const agent = await AgentClient.register(api, cluster.body.registrationToken);
      const token = async () => {
        const beat = await agent.heartbeat();
        expect(beat.status).toBe(200);
        return beat.body.policyStateToken as string;
      };
      const t0 = await token();
      expect(await token()).toBe(t0);

      // A policy on a sibling group, or in another org, does not govern this cluster.
      await create(a.tenant.owner.token, a.otherGroupId, signedDoc('sibling-only'));
      await create(b.tenant.owner.token, b.teamGroupId, signedDoc('other-org'));
      expect(await token()).toBe(t0);

      // Attached to an ancestor (the root group): it does.
      const inherited = await create(a.tenant.owner.token, a.tenant.rootGroupId, signedDoc('inherited'));
      const t1 = await token();
      expect(t1).not.toBe(t0);
      await api.request('PUT', `/v1/policies/${inherited.body.id}`, { token: a.tenant.owner.token, body: { document: signedDoc('inherited') } });
      const t2 = await token();
      expect(t2).not.toBe(t1);
      await api.request('DELETE', `/v1/policies/${inherited.body.id}`, { token: a.tenant.owner.token });
      // Back to the same effective set: the token is a function of it, so it is t0 again (not t1 or t2).
      expect(await token()).toBe(t0);
    });
  });
});
