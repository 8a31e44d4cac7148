// `npm run demo` (after tools/demo.sh built and migrated): the platform (API and
// worker), an org and a cluster bootstrapped with the admin token, a simulated
// Kubernetes API whose workloads churn every few seconds, and the real agent
// watching it. Ctrl-C stops everything. State that should survive a restart
// (the org, the cluster, the agent's credential) is kept in .vigil-local/.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { FakeKubeApiServer, SimulatedWorkloads, simulatedDigest } from './simulated-cluster';

const ROOT = path.resolve(__dirname, '../..');
const LOCAL = path.join(ROOT, '.vigil-local');
const LOGS = path.join(LOCAL, 'demo-logs');
const STATE_FILE = path.join(LOCAL, 'demo-state.json');
const CREDENTIALS_FILE = path.join(LOCAL, 'demo-agent-credential.json');
const KUBECONFIG = path.join(LOCAL, 'demo-kubeconfig.json');
const TLS_DIR = path.join(LOCAL, 'demo-tls');
const REVIEW_FILE = path.join(LOCAL, 'demo-admission-review.json');

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name}: is required (run the demo with \`npm run demo\`)`);
  return v;
}
const envPort = (name: string, fallback: number) => {
  const n = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}: must be a port number`);
  return n;
};

const API_PORT = envPort('PORT', 8080);
const WORKER_HEALTH_PORT = envPort('WORKER_HEALTH_PORT', 8081);
const WEBHOOK_PORT = envPort('DEMO_WEBHOOK_PORT', 8443);
const KUBE_PORT = envPort('DEMO_KUBE_PORT', 6443);
const CHURN_MS = Math.max(500, Number(process.env.DEMO_CHURN_MS ?? 4000) || 4000);
const API = `http://127.0.0.1:${API_PORT}`;
const ADMIN_TOKEN = required('VIGIL_ADMIN_TOKEN');

interface Child {
  name: string;
  process: ChildProcess;
  log: string;
}
const children: Child[] = [];
let shuttingDown = false;

function startChild(name: string, script: string, env: Record<string, string>): Child {
  mkdirSync(LOGS, { recursive: true });
  const log = path.join(LOGS, `${name}.log`);
  const out = createWriteStream(log, { flags: 'a' });
  const child = spawn(process.execPath, [path.join(ROOT, script)], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const entry = { name, process: child, log };
  children.push(entry);
  child.once('exit', (code, signal) => {
    if (shuttingDown) return;
    process.stderr.write(`\ndemo: the ${name} stopped (${signal ?? `exit ${code}`}); its log: ${path.relative(ROOT, log)}\n${tail(log)}\n`);
    void shutdown(1);
  });
  return entry;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (shuttingDown) throw new Error('stopping');
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s (see ${path.relative(ROOT, LOGS)}/)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function api<T = any>(method: string, urlPath: string, body?: unknown, orgId?: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${API}${urlPath}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...(orgId ? { 'vigil-org-id': orgId } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

function must<T>(r: { status: number; body: T }, status: number, what: string): T {
  if (r.status !== status) throw new Error(`${what}: the API answered ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

interface DemoState {
  orgId: string;
  rootGroupId: string;
  clusterId: string;
}

/** The org and cluster of an earlier run when they still exist, new ones otherwise; and a registration token when the agent has no credential. */
async function bootstrap(): Promise<DemoState & { registrationToken?: string }> {
  if (existsSync(STATE_FILE)) {
    const state = JSON.parse(readFileSync(STATE_FILE, 'utf8')) as DemoState;
    if ((await api('GET', `/v1/clusters/${state.clusterId}`, undefined, state.orgId)).status === 200) {
      if (existsSync(CREDENTIALS_FILE)) return state;
      const token = must(await api<{ registrationToken: string }>('POST', `/v1/clusters/${state.clusterId}/registration-tokens`, {}, state.orgId), 201, 'new registration token');
      return { ...state, registrationToken: token.registrationToken };
    }
  }
  const org = must(await api<{ id: string; rootGroupId: string }>('POST', '/v1/orgs', { name: `demo-${Date.now().toString(36)}` }), 201, 'create org');
  const cluster = must(
    await api<{ id: string; registrationToken: string }>('POST', '/v1/clusters', { groupId: org.rootGroupId, name: 'simulated', noMatch: 'warn' }, org.id),
    201,
    'create cluster',
  );
  const state = { orgId: org.id, rootGroupId: org.rootGroupId, clusterId: cluster.id };
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2), { mode: 0o600 });
  // A credential from an earlier cluster would be refused: this cluster registers afresh.
  if (existsSync(CREDENTIALS_FILE)) renameSync(CREDENTIALS_FILE, `${CREDENTIALS_FILE}.old`);
  return { ...state, registrationToken: cluster.registrationToken };
}

function ensureTls(): { cert: string; key: string } {
  const cert = path.join(TLS_DIR, 'tls.crt');
  const key = path.join(TLS_DIR, 'tls.key');
  if (!existsSync(cert) || !existsSync(key)) {
    mkdirSync(TLS_DIR, { recursive: true, mode: 0o700 });
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '365',
      '-keyout', key, '-out', cert, '-subj', '/CN=vigil-agent', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { stdio: 'ignore' });
  }
  return { cert, key };
}

function httpsStatus(port: number, ca: Buffer, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: urlPath, ca, servername: 'localhost' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

let kube: FakeKubeApiServer | undefined;
let workloads: SimulatedWorkloads | undefined;

async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  process.stderr.write('\ndemo: stopping the agent, the API, the worker and the simulated cluster…\n');
  workloads?.stop();
  // The agent first (it flushes to the API), then the platform.
  for (const name of ['agent', 'api', 'worker']) {
    const c = children.find((x) => x.name === name);
    if (!c || c.process.exitCode !== null || c.process.signalCode !== null) continue;
    const exited = new Promise((r) => c.process.once('exit', r));
    c.process.kill('SIGTERM');
    const timer = setTimeout(() => c.process.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(timer);
  }
  await kube?.stop();
  process.exit(code);
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  mkdirSync(LOCAL, { recursive: true, mode: 0o700 });

  startChild('worker', 'dist/apps/worker/src/main.js', { WORKER_HEALTH_PORT: String(WORKER_HEALTH_PORT) });
  startChild('api', 'dist/apps/api/src/main.js', { PORT: String(API_PORT) });
  await until('the API', async () => (await fetch(`${API}/readyz`)).status === 200);
  const state = await bootstrap();

  kube = new FakeKubeApiServer({ bookmarkIntervalMs: 30_000 });
  await kube.start(KUBE_PORT);
  writeFileSync(KUBECONFIG, JSON.stringify(kube.kubeconfig(), null, 2));
  workloads = new SimulatedWorkloads(kube);
  workloads.seed();
  workloads.start(CHURN_MS);

  const tls = ensureTls();
  const ca = readFileSync(tls.cert);
  startChild('agent', 'dist/apps/agent/src/main.js', {
    VIGIL_API_URL: API,
    ...(state.registrationToken ? { VIGIL_REGISTRATION_TOKEN: state.registrationToken } : {}),
    VIGIL_CREDENTIALS_STORE: 'file',
    VIGIL_CREDENTIALS_FILE: CREDENTIALS_FILE,
    KUBECONFIG,
    POD_NAMESPACE: 'vigil-system',
    POD_NAME: 'vigil-agent-demo',
    WEBHOOK_PORT: String(WEBHOOK_PORT),
    WEBHOOK_TLS_CERT: tls.cert,
    WEBHOOK_TLS_KEY: tls.key,
    VIGIL_INVENTORY_FLUSH_MS: '500',
  });
  await until('the agent', async () => (await httpsStatus(WEBHOOK_PORT, ca, '/readyz')) === 200);

  const image = 'ghcr.io/acme/storefront:2.6.0';
  writeFileSync(
    REVIEW_FILE,
    JSON.stringify(
      {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid: '2f6a3c1e-0000-4000-8000-000000000001',
          kind: { group: '', version: 'v1', kind: 'Pod' },
          resource: { group: '', version: 'v1', resource: 'pods' },
          namespace: 'shop',
          name: 'storefront-canary',
          operation: 'CREATE',
          userInfo: { username: 'demo@example.com' },
          object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'storefront-canary', namespace: 'shop' }, spec: { containers: [{ name: 'storefront', image: `${image.split(':')[0]}@${simulatedDigest(image)}` }] } },
          dryRun: false,
        },
      },
      null,
      2,
    ),
  );

  const rel = (p: string) => path.relative(ROOT, p);
  const tokenFile = process.env.VIGIL_ADMIN_TOKEN_FILE;
  const auth = `-H "authorization: Bearer ${tokenFile ? `$(cat ${tokenFile})` : '$VIGIL_ADMIN_TOKEN'}" -H 'vigil-org-id: ${state.orgId}'`;
  process.stdout.write(`
Vigil demo is running (Ctrl-C stops everything).

  platform API      ${API}   (docs: ${API}/docs)
  admin token       ${tokenFile ?? '$VIGIL_ADMIN_TOKEN (set by you)'} (platform admin: acts as owner in every org)
  org / cluster     ${state.orgId} / ${state.clusterId} (no-match behaviour: warn)
  simulated kube    ${kube.url}   kubeconfig: ${rel(KUBECONFIG)} (a change every ${CHURN_MS / 1000} s)
  agent webhook     https://127.0.0.1:${WEBHOOK_PORT}/validate   (/readyz, /metrics)
  logs              ${rel(LOGS)}/{api,worker,agent}.log

What runs now, and what ran a minute ago:
  curl -s "${API}/v1/inventory/containers?clusterId=${state.clusterId}" ${auth}
  curl -s "${API}/v1/inventory/containers?clusterId=${state.clusterId}&at=$(date -u -d '1 minute ago' +%Y-%m-%dT%H:%M:%SZ)" ${auth}
The cluster and its agent:
  curl -s ${API}/v1/clusters/${state.clusterId} ${auth}
  kubectl --kubeconfig ${rel(KUBECONFIG)} get pods -A --watch
Ask the agent's admission webhook (the platform decides; no policy yet, so it warns):
  curl -sk https://127.0.0.1:${WEBHOOK_PORT}/validate -H 'content-type: application/json' -d @${rel(REVIEW_FILE)}

`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo: ${(error as Error).message}\n`);
  void shutdown(1);
});
