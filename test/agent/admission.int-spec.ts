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

  it('answers 400 to malformed reviews and keeps serving', async () => {
    expect((await review('{not json')).status).toBe(400);
    expect((await review({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1' })).status).toBe(400);
    expect((await review({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v2', request: { uid: 'x' } })).status).toBe(400);
    const badSpec = admissionReview({ kind: 'Deployment', object: { metadata: { name: 'x' }, spec: { template: { spec: { containers: 'nginx' } } } } });
    const bad = await review(badSpec);
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/containers/);
    const noImage = admissionReview({ kind: 'Pod', object: { metadata: { name: 'x' }, spec: { containers: [{ name: 'a' }] } } });
    expect((await review(noImage)).status).toBe(400);
    expect((await getText(agent.port, tls.ca, '/healthz')).status).toBe(200);
    expect(platform.admissions).toHaveLength(0);
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
