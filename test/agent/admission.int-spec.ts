import type { AgentHandle } from '../../apps/agent/src/agent-app';
import { AgentPlatformDouble, FakeKubeApiServer } from '../../tools/simulated-cluster';
import { KIND_OBJECTS, admissionReview } from './support/admission-reviews';
import { TlsFiles, agentConfig, eventually, getText, makeTls, postJson, startTestAgent } from './support/agent-test-harness';

const DIGEST = 'sha256:' + 'a'.repeat(64);

jest.setTimeout(30_000);

describe('agent admission webhook (against the platform test double)', () => {
  let tls: TlsFiles;
  let platform: AgentPlatformDouble;
  let kube: FakeKubeApiServer;
  let agent: AgentHandle;

  beforeAll(async () => {
    tls = makeTls();
    kube = new FakeKubeApiServer();
    await kube.start();
    platform = new AgentPlatformDouble();
    await platform.start();
    agent = await startTestAgent(agentConfig(platform, tls, { VIGIL_ADMISSION_DEADLINE_MS: '400' }), kube);
    await agent.ready;
  });

  afterAll(async () => {
    await agent?.stop();
    await platform?.stop();
    await kube?.stop();
  });

  beforeEach(() => {
    platform.admissions.length = 0;
    platform.decide = (req) => ({
      allowed: true,
      warnings: [],
      reasons: [],
      policyStateToken: platform.policyStateToken,
      decisions: req.images.map((i) => ({ image: i.ref, allowed: true, warnings: [], reasons: [], cacheTtlSeconds: 0 })),
    });
  });

  const review = (body: object | string) => postJson(agent.port, tls.ca, '/validate', body);

  it.each(Object.keys(KIND_OBJECTS).flatMap((kind) => [[kind, 'admission.k8s.io/v1'], [kind, 'admission.k8s.io/v1beta1']] as const))(
    'asks the platform about every image of a %s (%s) and echoes the uid',
    async (kind, apiVersion) => {
      const body = admissionReview({ kind, apiVersion, uid: `uid-${kind}` });
      const res = await review(body);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ apiVersion, kind: 'AdmissionReview', response: { uid: `uid-${kind}`, allowed: true } });
      expect(platform.admissions).toHaveLength(1);
      const sent = platform.admissions[0]!;
      expect(sent).toMatchObject({ uid: `uid-${kind}`, kind, namespace: 'shop', name: 'web', operation: 'CREATE', labels: { app: 'web' }, user: { username: 'alice@example.com' } });
      const expected = [
        { container: 'app', type: 'container', ref: 'registry.example.com/team/app:1.2.3' },
        { container: 'migrate', type: 'init', ref: `registry.example.com/team/migrate@${DIGEST}` },
        ...(kind === 'Pod' ? [{ container: 'debug', type: 'ephemeral', ref: 'busybox:1.36' }] : []),
      ];
      expect(sent.images).toEqual(expected);
      // Metadata only: no env values or annotations reach the platform.
      expect(JSON.stringify(sent)).not.toMatch(/do-not-forward|annotations/);
    },
  );

  it('denies with a message naming each failing image and policy, and forwards warnings', async () => {
    platform.decide = (req) => ({
      allowed: false,
      warnings: ['policy "sbom-present" (warn): no SBOM attached'],
      reasons: ['policy "signed-by-team" failed'],
      policyStateToken: platform.policyStateToken,
      decisions: req.images.map((i) =>
        i.ref.includes(':1.2.3')
          ? { image: i.ref, allowed: false, warnings: [], reasons: ['policy "signed-by-team" failed: no matching signature'], cacheTtlSeconds: 60 }
          : { image: i.ref, allowed: true, warnings: [], reasons: [], cacheTtlSeconds: 60 },
      ),
    });
    const res = await review(admissionReview({ kind: 'Deployment', uid: 'deny-1' }));
    expect(res.json.response.uid).toBe('deny-1');
    expect(res.json.response.allowed).toBe(false);
    expect(res.json.response.status.code).toBe(403);
    expect(res.json.response.status.message).toContain('registry.example.com/team/app:1.2.3: policy "signed-by-team" failed: no matching signature');
    expect(res.json.response.status.message).not.toContain('migrate');
    expect(res.json.response.warnings).toEqual(['policy "sbom-present" (warn): no SBOM attached']);
  });

  it('allows DELETE, dry-run and exempt namespaces without asking the platform', async () => {
    const del = await review(admissionReview({ kind: 'Pod', operation: 'DELETE', uid: 'del' }));
    const dry = await review(admissionReview({ kind: 'Pod', dryRun: true, uid: 'dry' }));
    const system = await review(admissionReview({ kind: 'Pod', namespace: 'kube-system', uid: 'sys' }));
    const own = await review(admissionReview({ kind: 'Deployment', namespace: 'vigil-system', uid: 'own' }));
    for (const [res, uid] of [[del, 'del'], [dry, 'dry'], [system, 'sys'], [own, 'own']] as const) {
      expect(res.json.response).toMatchObject({ uid, allowed: true });
    }
    expect(dry.json.response.warnings[0]).toMatch(/dry-run/);
    expect(platform.admissions).toHaveLength(0);
  });

  it('answers from the decision cache until the policy state changes', async () => {
    platform.policyStateToken = 'state-A';
    platform.decide = (req) => ({
      allowed: true,
      warnings: [],
      reasons: [],
      policyStateToken: platform.policyStateToken,
      decisions: req.images.map((i) => ({ image: i.ref, allowed: true, warnings: [], reasons: [], cacheTtlSeconds: 300 })),
    });
    // Earlier tests cached decisions under the old state; the heartbeat retires them.
    await eventually(() => expect(agent.decisionCache.policyStateToken).toBe('state-A'), 'heartbeat brought state-A');
    await review(admissionReview({ kind: 'StatefulSet', uid: 'c1' }));
    const cached = await review(admissionReview({ kind: 'DaemonSet', uid: 'c2' }));
    expect(cached.json.response).toMatchObject({ uid: 'c2', allowed: true });
    expect(platform.admissions.map((a) => a.uid)).toEqual(['c1']);
    // A heartbeat carries the new token: cached decisions must not answer any more.
    platform.policyStateToken = 'state-B';
    await eventually(() => expect(agent.decisionCache.policyStateToken).toBe('state-B'), 'heartbeat brought the new policy state');
    await review(admissionReview({ kind: 'DaemonSet', uid: 'c3' }));
    expect(platform.admissions.map((a) => a.uid)).toEqual(['c1', 'c3']);
  });

  it('answers a cached denial and cached warnings like the platform\'s, in the apiVersion asked, without asking again', async () => {
    const denied = 'registry.example.com/cache-test/unsigned:3.1';
    const warned = `registry.example.com/cache-test/no-sbom@${DIGEST}`;
    platform.decide = (req) => ({
      allowed: false,
      warnings: [],
      reasons: [],
      policyStateToken: platform.policyStateToken,
      decisions: req.images.map((i) =>
        i.ref === denied
          ? { image: i.ref, allowed: false, warnings: [], reasons: ['policy "signed-by-team" failed: no matching signature'], cacheTtlSeconds: 300 }
          : { image: i.ref, allowed: true, warnings: ['policy "sbom-present" (warn): no SBOM attached'], reasons: [], cacheTtlSeconds: 300 },
      ),
    });
    const object = (name: string) => ({ metadata: { name, namespace: 'shop' }, spec: { template: { spec: { containers: [{ name: 'app', image: denied }, { name: 'sidecar', image: warned }] } } } });
    const first = await review(admissionReview({ kind: 'Deployment', uid: 'cache-deny-1', object: object('first') }));
    const cached = await review(admissionReview({ kind: 'StatefulSet', apiVersion: 'admission.k8s.io/v1beta1', uid: 'cache-deny-2', name: 'second', object: object('second') }));
    expect(platform.admissions.map((a) => a.uid)).toEqual(['cache-deny-1']);
    for (const [res, uid, apiVersion] of [[first, 'cache-deny-1', 'admission.k8s.io/v1'], [cached, 'cache-deny-2', 'admission.k8s.io/v1beta1']] as const) {
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ apiVersion, kind: 'AdmissionReview', response: { uid, allowed: false, status: { code: 403 } } });
      expect(res.json.response.status.message).toContain(`${denied}: policy "signed-by-team" failed: no matching signature`);
      expect(res.json.response.status.message).not.toContain('no-sbom');
      expect(res.json.response.warnings).toEqual([`${warned}: policy "sbom-present" (warn): no SBOM attached`]);
    }
    expect(cached.json.response.status.message).toMatch(/^Vigil denied StatefulSet shop\/second: /);
    // An allowed image from the cache answers the plain allowed response.
    const allowedObject = { metadata: { name: 'third' }, spec: { template: { spec: { containers: [{ name: 'sidecar', image: warned }] } } } };
    const onlyWarned = await review(admissionReview({ kind: 'Job', uid: 'cache-warn', object: allowedObject }));
    expect(onlyWarned.json).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'cache-warn', allowed: true, warnings: [`${warned}: policy "sbom-present" (warn): no SBOM attached`] } });
    expect(platform.admissions).toHaveLength(1);
  });

  it('applies the failure policy "fail" when the platform does not answer within the deadline', async () => {
    let release!: () => void;
    platform.admissionGate = new Promise<void>((r) => (release = r));
    try {
      const object = { metadata: { name: 'nightly' }, spec: { template: { spec: { containers: [{ name: 'n', image: 'registry.example.com/never-seen:1' }] } } } };
      const res = await review(admissionReview({ kind: 'Job', uid: 'slow', object }));
      expect(res.json.response).toMatchObject({ uid: 'slow', allowed: false, status: { code: 503 } });
      expect(res.json.response.status.message).toMatch(/failure policy "fail"/);
    } finally {
      release();
      platform.admissionGate = undefined;
    }
  });

  it('answers 400 to malformed reviews, naming what is wrong, and keeps serving', async () => {
    expect((await review('{not json')).status).toBe(400);
    const deployment = (spec: unknown) => admissionReview({ kind: 'Deployment', object: { metadata: { name: 'x' }, spec: { template: { spec } } } });
    const withRequest = (patch: Record<string, unknown>) => {
      const body = admissionReview({ kind: 'Pod' }) as { request: Record<string, unknown> };
      return { ...body, request: { ...body.request, ...patch } };
    };
    const cases: [string, unknown, RegExp][] = [
      ['null', null, /\(root\)/],
      ['an array', [admissionReview({ kind: 'Pod' })], /\(root\)/],
      ['no request', { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1' }, /request/],
      ['an unknown apiVersion', { kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v2', request: { uid: 'x' } }, /apiVersion/],
      ['a uid that is a number', withRequest({ uid: 42 }), /request\.uid/],
      ['a uid longer than 128', withRequest({ uid: 'u'.repeat(129) }), /request\.uid/],
      ['an unknown operation', withRequest({ operation: 'PATCH' }), /request\.operation/],
      ['groups that are not strings', withRequest({ userInfo: { username: 'alice', groups: [1] } }), /request\.userInfo\.groups/],
      ['containers as a string', deployment({ containers: 'nginx' }), /Deployment pod spec: containers/],
      ['a container without image', admissionReview({ kind: 'Pod', object: { metadata: { name: 'x' }, spec: { containers: [{ name: 'a' }] } } }), /pod spec: containers\.0/],
      ['an init container with an empty name', deployment({ initContainers: [{ name: '', image: 'busybox' }] }), /initContainers\.0/],
      ['a CronJob without its job template', admissionReview({ kind: 'CronJob', object: { metadata: { name: 'x' }, spec: { schedule: '* * * * *' } } }), /CronJob pod spec/],
      ['a label value that is a number', admissionReview({ kind: 'Pod', object: { metadata: { name: 'x', labels: { tier: 3 } }, spec: { containers: [{ name: 'a', image: 'b' }] } } }), /metadata: labels\.tier/],
      ['an owner reference without uid', admissionReview({ kind: 'ReplicaSet', object: { metadata: { name: 'x', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' }] }, spec: { template: { spec: { containers: [{ name: 'a', image: 'b' }] } } } } }), /ownerReferences\.0/],
      ['CREATE without an object', admissionReview({ kind: 'Pod', object: 'not-an-object' as unknown as Record<string, unknown> }), /request\.object is required/],
    ];
    for (const [what, body, message] of cases) {
      const res = await review(body as object);
      expect({ what, status: res.status, error: res.json?.error }).toEqual({ what, status: 400, error: expect.stringMatching(message) });
    }
    expect((await getText(agent.port, tls.ca, '/healthz')).status).toBe(200);
    expect(platform.admissions).toHaveLength(0);
    // And a well-formed review right after is answered as usual.
    expect((await review(admissionReview({ kind: 'Pod', operation: 'DELETE', uid: 'after-malformed' }))).json.response).toMatchObject({ uid: 'after-malformed', allowed: true });
  });

  it('exposes metrics and per-component readiness', async () => {
    await review('{');
    await review(admissionReview({ kind: 'Pod', operation: 'DELETE' }));
    const metrics = await getText(agent.port, tls.ca, '/metrics');
    expect(metrics.text).toMatch(/vigil_agent_admission_requests_total\{result="malformed"\} [1-9]/);
    expect(metrics.text).toMatch(/vigil_agent_admission_requests_total\{result="exempt"\} [1-9]/);
    const ready = await getText(agent.port, tls.ca, '/readyz');
    const body = JSON.parse(ready.text);
    expect(Object.keys(body.components).sort()).toEqual(['admission', 'commands', 'inventory', 'platform-client']);
    await eventually(async () => {
      const r = await getText(agent.port, tls.ca, '/readyz');
      expect({ status: r.status, body: JSON.parse(r.text) }).toMatchObject({ status: 200, body: { status: 'ok' } });
    }, 'agent ready');
  });
});

describe('agent admission with failure policy "ignore"', () => {
  it('admits with a warning when the platform is down', async () => {
    const tls = makeTls();
    const kube = new FakeKubeApiServer();
    await kube.start();
    const platform = new AgentPlatformDouble();
    await platform.start();
    const agent = await startTestAgent(agentConfig(platform, tls, { VIGIL_CLUSTER_FAILURE_POLICY: 'ignore', VIGIL_ADMISSION_DEADLINE_MS: '300' }), kube);
    try {
      await agent.ready;
      await platform.stop();
      const res = await postJson(agent.port, tls.ca, '/validate', admissionReview({ kind: 'CronJob', uid: 'down' }));
      expect(res.json.response).toMatchObject({ uid: 'down', allowed: true });
      expect(res.json.response.warnings[0]).toMatch(/failure policy "ignore"/);
    } finally {
      await agent.stop();
      await kube.stop();
    }
  });
});
