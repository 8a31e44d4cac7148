import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { renderChart } from '../support/helm-subset-renderer';

jest.setTimeout(60_000);

const CHART = join(__dirname, '../../infra/helm/vigil-agent');
const TOKEN = { platform: { registrationToken: 'reg-token-0123456789abcdef' } };

const byKind = (docs: Array<Record<string, any>>, kind: string) => docs.filter((d) => d.kind === kind);
const one = (docs: Array<Record<string, any>>, kind: string) => {
  const found = byKind(docs, kind);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const named = (docs: Array<Record<string, any>>, kind: string, name: string) => {
  const found = byKind(docs, kind).filter((d) => d.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const envOf = (deployment: Record<string, any>) =>
  Object.fromEntries((deployment.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));

describe('helm chart infra/helm/vigil-agent (rendered by the test subset renderer)', () => {
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);

  it('has defaults that satisfy values.schema.json, and the schema refuses bad values', () => {
    const defaults = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
    expect(validate(defaults)).toBe(true);
    expect(validate({ ...defaults, failurePolicy: 'Maybe' })).toBe(false);
    expect(validate({ ...defaults, webhook: { timeoutSeconds: 60 } })).toBe(false);
  });

  it('renders the default install: 2 replicas, PDB, Service, webhook, read-only RBAC, token Secret, self-signed TLS', () => {
    const { docs, values } = renderChart(CHART, TOKEN);
    expect(docs.map((d) => d.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'PodDisruptionBudget', 'Role', 'Role', 'RoleBinding', 'RoleBinding', 'Secret', 'Secret', 'Service', 'ServiceAccount', 'ValidatingWebhookConfiguration'].sort(),
    );
    const deployment = one(docs, 'Deployment');
    expect(deployment.spec.replicas).toBe(2);
    expect(one(docs, 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
    expect(one(docs, 'Service').spec.selector).toEqual(deployment.spec.selector.matchLabels);

    const env = envOf(deployment);
    expect(env).toMatchObject({
      VIGIL_API_URL: values.platform && (values.platform as any).url,
      VIGIL_CLUSTER_FAILURE_POLICY: 'fail',
      VIGIL_ADMISSION_DEADLINE_MS: '2500',
      VIGIL_EXEMPT_NAMESPACES: 'kube-system,vigil-system',
      VIGIL_COMMANDS_ENABLED: 'false',
      WEBHOOK_TLS_CERT: '/etc/vigil/tls/tls.crt',
    });

    const webhook = one(docs, 'ValidatingWebhookConfiguration').webhooks[0];
    expect(webhook).toMatchObject({ failurePolicy: 'Fail', timeoutSeconds: 10, sideEffects: 'NoneOnDryRun', admissionReviewVersions: ['v1', 'v1beta1'] });
    expect(webhook.clientConfig.service).toMatchObject({ name: 'vigil-agent', namespace: 'vigil-system', path: '/validate' });
    expect(webhook.namespaceSelector.matchExpressions[0]).toEqual({ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'vigil-system'] });
    const resources = webhook.rules.flatMap((r: any) => r.resources);
    expect(resources).toEqual(expect.arrayContaining(['pods', 'deployments', 'replicasets', 'statefulsets', 'daemonsets', 'jobs', 'cronjobs', 'replicationcontrollers']));

    const rules = one(docs, 'ClusterRole').rules as Array<{ resources: string[]; verbs: string[] }>;
    expect(rules.flatMap((r) => r.verbs)).not.toContain('delete');
    expect(rules.map((r) => r.resources[0]).sort()).toEqual(['jobs', 'pods', 'replicasets']);

    // The replicas share one credential through a Secret only they may read and update (by name), in their namespace.
    expect(env).toMatchObject({ VIGIL_CREDENTIALS_STORE: 'secret', VIGIL_CREDENTIALS_SECRET: 'vigil-agent-credential' });
    expect(env.VIGIL_CREDENTIALS_FILE).toBeUndefined();
    const role = named(docs, 'Role', 'vigil-agent-credential');
    expect(role.metadata.namespace).toBe('vigil-system');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['vigil-agent-credential'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
    const roleBinding = named(docs, 'RoleBinding', 'vigil-agent-credential');
    expect(roleBinding).toMatchObject({ metadata: { namespace: 'vigil-system' }, roleRef: { kind: 'Role', name: role.metadata.name }, subjects: [{ kind: 'ServiceAccount', name: 'vigil-agent', namespace: 'vigil-system' }] });
    expect(rules.some((r) => r.resources.includes('secrets'))).toBe(false); // nothing cluster-wide on secrets
    // No per-pod credential volume any more: the root filesystem stays read-only and nothing is written.
    expect(deployment.spec.template.spec.volumes.map((v: any) => v.name)).toEqual(['tls']);

    const token = byKind(docs, 'Secret').find((s) => s.metadata.name === 'vigil-agent-registration')!;
    expect(Buffer.from(token.data['registration-token'], 'base64').toString()).toBe('reg-token-0123456789abcdef');
  });

  it('generates a serving certificate for the Service that the webhook caBundle verifies', () => {
    const { docs } = renderChart(CHART, TOKEN);
    const tls = byKind(docs, 'Secret').find((s) => s.type === 'kubernetes.io/tls')!;
    const caBundle = one(docs, 'ValidatingWebhookConfiguration').webhooks[0].clientConfig.caBundle;
    const dir = mkdtempSync(join(tmpdir(), 'chart-tls-'));
    writeFileSync(join(dir, 'ca.crt'), Buffer.from(caBundle, 'base64'));
    writeFileSync(join(dir, 'tls.crt'), Buffer.from(tls.data['tls.crt'], 'base64'));
    expect(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'tls.crt')]).toString()).toMatch(/OK/);
    expect(execFileSync('openssl', ['x509', '-in', join(dir, 'tls.crt'), '-noout', '-ext', 'subjectAltName']).toString()).toContain('DNS:vigil-agent.vigil-system.svc');
  });

  it('follows the values: Ignore, timeout, commands with RBAC delete, extra exempt namespaces, cert-manager', () => {
    const { docs } = renderChart(CHART, {
      ...TOKEN,
      failurePolicy: 'Ignore',
      webhook: { timeoutSeconds: 5, admissionDeadlineMs: 1500 },
      commands: { enabled: true },
      exemptNamespaces: ['kube-system', 'monitoring'],
      tls: { certManager: { enabled: true } },
      replicaCount: 3,
    });
    const webhookConfig = one(docs, 'ValidatingWebhookConfiguration');
    const webhook = webhookConfig.webhooks[0];
    expect(webhook).toMatchObject({ failurePolicy: 'Ignore', timeoutSeconds: 5 });
    expect(webhook.clientConfig.caBundle).toBeUndefined();
    expect(webhookConfig.metadata.annotations['cert-manager.io/inject-ca-from']).toBe('vigil-system/vigil-agent');
    expect(webhook.namespaceSelector.matchExpressions[0].values).toEqual(['kube-system', 'monitoring', 'vigil-system']);
    expect(one(docs, 'Certificate').spec).toMatchObject({ secretName: 'vigil-agent-tls', issuerRef: { name: 'vigil-agent-selfsigned', kind: 'Issuer' } });
    expect(byKind(docs, 'Secret').some((s) => s.type === 'kubernetes.io/tls')).toBe(false);
    const env = envOf(one(docs, 'Deployment'));
    expect(env).toMatchObject({ VIGIL_CLUSTER_FAILURE_POLICY: 'ignore', VIGIL_ADMISSION_DEADLINE_MS: '1500', VIGIL_COMMANDS_ENABLED: 'true', VIGIL_EXEMPT_NAMESPACES: 'kube-system,monitoring,vigil-system' });
    expect(one(docs, 'Deployment').spec.replicas).toBe(3);
    const rules = one(docs, 'ClusterRole').rules as Array<{ resources: string[]; verbs: string[] }>;
    expect(rules).toContainEqual({ apiGroups: [''], resources: ['pods'], verbs: ['delete'] });
  });

  it('names the credential Secret from the values, in the env and the Role alike', () => {
    const { docs } = renderChart(CHART, { ...TOKEN, credentials: { secretName: 'agent-cred' } });
    expect(envOf(one(docs, 'Deployment')).VIGIL_CREDENTIALS_SECRET).toBe('agent-cred');
    expect(named(docs, 'Role', 'vigil-agent-credential').rules[0].resourceNames).toEqual(['agent-cred']);
    const defaults = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
    expect(validate({ ...defaults, credentials: { secretName: 'Bad_Name' } })).toBe(false);
  });

  it('uses an existing Secret for the token instead of creating one', () => {
    const { docs } = renderChart(CHART, { platform: { existingSecret: 'my-token' } });
    expect(byKind(docs, 'Secret').some((s) => s.metadata.name === 'vigil-agent-registration')).toBe(false);
    const env = one(docs, 'Deployment').spec.template.spec.containers[0].env.find((e: any) => e.name === 'VIGIL_REGISTRATION_TOKEN');
    expect(env.valueFrom.secretKeyRef).toEqual({ name: 'my-token', key: 'registration-token' });
  });

  it('elects a leader by default: env timings, a Role on the one Lease by name (create cannot be limited), bound in the release namespace', () => {
    const { docs } = renderChart(CHART, TOKEN);
    expect(envOf(one(docs, 'Deployment'))).toMatchObject({
      VIGIL_LEADER_ELECTION: 'true',
      VIGIL_LEADER_ELECTION_LEASE: 'vigil-agent',
      VIGIL_LEADER_ELECTION_LEASE_DURATION_MS: '15000',
      VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS: '10000',
      VIGIL_LEADER_ELECTION_RETRY_PERIOD_MS: '2000',
      POD_NAMESPACE: undefined, // from the downward API: the Lease lives in the agent's own namespace
    });
    const role = named(docs, 'Role', 'vigil-agent-leader-election');
    expect(role.metadata.namespace).toBe('vigil-system');
    expect(role.rules).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['vigil-agent'], verbs: ['get', 'update'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    ]);
    expect(named(docs, 'RoleBinding', 'vigil-agent-leader-election')).toMatchObject({
      metadata: { namespace: 'vigil-system' },
      roleRef: { kind: 'Role', name: 'vigil-agent-leader-election' },
      subjects: [{ kind: 'ServiceAccount', name: 'vigil-agent', namespace: 'vigil-system' }],
    });
    const clusterRules = one(docs, 'ClusterRole').rules as Array<{ resources: string[] }>;
    expect(clusterRules.some((r) => r.resources.includes('leases'))).toBe(false); // nothing cluster-wide on leases
  });

  it('follows the leader-election values: lease name and timings, off (no Lease RBAC), and refuses unsafe timings', () => {
    const custom = renderChart(CHART, { ...TOKEN, leaderElection: { enabled: true, leaseName: 'agent-leader', leaseDurationSeconds: 30, renewDeadlineSeconds: 20, retryPeriodSeconds: 4 } });
    expect(envOf(one(custom.docs, 'Deployment'))).toMatchObject({
      VIGIL_LEADER_ELECTION_LEASE: 'agent-leader',
      VIGIL_LEADER_ELECTION_LEASE_DURATION_MS: '30000',
      VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS: '20000',
      VIGIL_LEADER_ELECTION_RETRY_PERIOD_MS: '4000',
    });
    expect(named(custom.docs, 'Role', 'vigil-agent-leader-election').rules[0].resourceNames).toEqual(['agent-leader']);

    const off = renderChart(CHART, { ...TOKEN, leaderElection: { enabled: false } });
    const env = envOf(one(off.docs, 'Deployment'));
    expect(env.VIGIL_LEADER_ELECTION).toBe('false');
    expect(env.VIGIL_LEADER_ELECTION_LEASE).toBeUndefined();
    expect(byKind(off.docs, 'Role').map((r) => r.metadata.name)).toEqual(['vigil-agent-credential']);

    expect(() => renderChart(CHART, { ...TOKEN, leaderElection: { leaseDurationSeconds: 10, renewDeadlineSeconds: 10 } })).toThrow(/leaseDurationSeconds must be greater than leaderElection.renewDeadlineSeconds/);
    expect(() => renderChart(CHART, { ...TOKEN, leaderElection: { retryPeriodSeconds: 10 } })).toThrow(/renewDeadlineSeconds must be greater than leaderElection.retryPeriodSeconds/);
    const defaults = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
    expect(validate({ ...defaults, leaderElection: { ...defaults.leaderElection, leaseName: 'Not_A_Lease' } })).toBe(false);
    expect(validate({ ...defaults, leaderElection: { ...defaults.leaderElection, retryPeriodSeconds: 0 } })).toBe(false);
  });

  it('refuses to render without a registration token', () => {
    expect(() => renderChart(CHART, {})).toThrow(/platform.registrationToken is required/);
  });
});
