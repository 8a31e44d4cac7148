// Agent admission webhook: requests/s and p50/p99 of the REAL agent process
// (dist/apps/agent/src/main.js, HTTPS POST /validate) with a warm decision
// cache, beside a bare node:https server that parses the same AdmissionReview
// and answers `allowed` — both measured in the same run, at 64 and at 8
// concurrent connections (autocannon, keep-alive, one request per connection
// in flight), and at 8 connections paced to half the rate the bare server
// reached at 8 (an apiserver calls a webhook at the rate pods are created, not
// as fast as it can: the saturated row's p99 is queueing behind the load
// generator on two cores, and the bare server's p99 there is no lower). The load generator is its own process (the same for both
// servers), and bare and agent runs alternate in rounds so both see the same
// drift in the machine's load. Each run also reports the server process's CPU
// time per request (from /proc), which does not depend on how busy the
// machine is.
//
// The platform side is the agent-platform TEST DOUBLE
// (tools/simulated-cluster/agent-platform-double, signatures verified), not the
// real API: with a warm cache the agent does not call the platform per request,
// and the run checks that (exactly one platform admission call: the warm-up).
// The kube API is the fake one (the agent lists and watches pods at start).
//
//   npm run build && node dist/bench/agent-admission.bench.js
//   BENCH_AGENT_ADMISSION_SECONDS=3   per measured run (default 3)
//   BENCH_AGENT_ADMISSION_ROUNDS=6    alternating bare/agent rounds per connection count (default 6)
//   BENCH_AGENT_CPU_PROF=/tmp/prof    also write agent.cpuprofile and bare.cpuprofile there
import autocannon from 'autocannon';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { AgentPlatformDouble, FakeKubeApiServer, podFixture } from '../tools/simulated-cluster';
import { envInt, fmtMs, fmtRate, log, table } from './support/stats';

const TARGET_THROUGHPUT_RATIO = 0.5; // at 64 connections, of the bare server's
const TARGET_P99_MS = 5; // at 8 connections
const CONCURRENCY = [64, 8] as const;

/** A Deployment as the apiserver sends it: three images, labels, an env value the agent must not forward. */
function review(): Record<string, unknown> {
  const template = {
    metadata: { labels: { app: 'checkout', tier: 'web' } },
    spec: {
      containers: [
        { name: 'app', image: `registry.example.com/shop/checkout@sha256:${'a'.repeat(64)}`, env: [{ name: 'DB_PASSWORD', value: 'not-forwarded' }] },
        { name: 'proxy', image: 'registry.example.com/infra/envoy:v1.31.2' },
      ],
      initContainers: [{ name: 'migrate', image: `registry.example.com/shop/checkout-migrate@sha256:${'b'.repeat(64)}` }],
    },
  };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      requestKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      requestResource: { group: 'apps', version: 'v1', resource: 'deployments' },
      name: 'checkout',
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:ci:deployer', uid: 'u-1', groups: ['system:serviceaccounts', 'system:authenticated'] },
      object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'checkout', namespace: 'shop', labels: { app: 'checkout' } }, spec: { replicas: 3, selector: { matchLabels: { app: 'checkout' } }, template } },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}

// ---------------------------------------------------------------- the baseline server (a child process)

/** Parses the AdmissionReview exactly as far as any webhook must (JSON, request.uid) and allows it. */
function serveBare(): void {
  const server = createHttpsServer({ cert: readFileSync(process.env.BARE_TLS_CERT!), key: readFileSync(process.env.BARE_TLS_KEY!) }, (req, res) => {
    if (req.method !== 'POST') return void res.writeHead(200).end('ok');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let uid: unknown;
      try {
        uid = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request?: { uid?: unknown } }).request?.uid;
      } catch {
        uid = undefined;
      }
      if (typeof uid !== 'string') return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"malformed"}');
      const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
  });
  server.listen(Number(process.env.BARE_PORT), '127.0.0.1');
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

// ---------------------------------------------------------------- helpers

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function httpsCall(port: number, ca: Buffer, method: string, urlPath: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: urlPath, method, ca, servername: 'localhost', headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function waitFor(what: string, child: ChildProcess, check: () => Promise<boolean>, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited:\n${output()}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} never became ready:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** BENCH_AGENT_CPU_PROF=<dir> writes a V8 CPU profile of each server process there (for `node --cpu-prof` analysis). */
function profileArgs(name: string): string[] {
  const dir = process.env.BENCH_AGENT_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
}

function spawnNode(script: string, args: string[], env: Record<string, string>, profileName?: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [...(profileName ? profileArgs(profileName) : []), script, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  return { child, output: () => out };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

const mean = (xs: readonly number[]) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  problems: number;
  /** CPU time (user + system) of the server process per answered request, in µs. */
  serverCpuUsPerRequest: number;
  /** CPU the load generator used, in cores (1 = one core busy for the whole run). */
  clientCores: number;
}

interface LoadSpec {
  port: number;
  caFile: string;
  bodyFile: string;
  connections: number;
  seconds: number;
  /** Requests per second over all connections (autocannon's overallRate); absent: as fast as answers come. */
  rate?: number;
}

/** The load generator's side: runs in its own process (`--load`), prints one JSON line. */
async function generateLoad(spec: LoadSpec): Promise<void> {
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const result = await autocannon({
    url: `https://127.0.0.1:${spec.port}/validate`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: readFileSync(spec.bodyFile, 'utf8'),
    connections: spec.connections,
    pipelining: 1,
    duration: spec.seconds,
    ...(spec.rate ? { overallRate: spec.rate } : {}),
    tlsOptions: { ca: readFileSync(spec.caFile) },
  });
  const cpu = process.cpuUsage(cpuBefore);
  const wallUs = Number(process.hrtime.bigint() - started) / 1000;
  process.stdout.write(
    JSON.stringify({
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      requests: result.requests.total,
      problems: result.errors + result.timeouts + result.non2xx,
      clientCores: (cpu.user + cpu.system) / wallUs,
    }) + '\n',
  );
}

/** utime + stime of a process in µs, from /proc (Linux; the clock tick is 10 ms, fine over seconds of load). */
function processCpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * One load run against one server. The load generator is a separate process,
 * the same for both servers, so it competes with neither server's event loop
 * nor with the fake kube API and platform double living in this process.
 */
async function load(server: ChildProcess, spec: LoadSpec): Promise<Figures> {
  const cpuBefore = processCpuUs(server.pid!);
  const generator = spawnNode(__filename, ['--load', JSON.stringify(spec)], {});
  const code = await new Promise<number | null>((resolve) => generator.child.once('exit', resolve));
  const serverCpuUs = processCpuUs(server.pid!) - cpuBefore;
  const line = generator.output().trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`load generator failed (${code}):\n${generator.output()}`);
  const figures = JSON.parse(line) as Omit<Figures, 'serverCpuUsPerRequest'>;
  return { ...figures, serverCpuUsPerRequest: serverCpuUs / Math.max(1, figures.requests) };
}

// ---------------------------------------------------------------- the benchmark

export async function run(): Promise<boolean> {
  const seconds = envInt('BENCH_AGENT_ADMISSION_SECONDS', 3, 1, 600);
  const rounds = envInt('BENCH_AGENT_ADMISSION_ROUNDS', 6, 1, 50);
  const distRoot = path.resolve(__dirname, '..');
  const agentMain = path.join(distRoot, 'apps/agent/src/main.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-agent-'));
  const cert = path.join(dir, 'tls.crt');
  const key = path.join(dir, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-keyout', key, '-out', cert, '-subj', '/CN=vigil-agent', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  const ca = readFileSync(cert);

  const kube = new FakeKubeApiServer();
  const platform = new AgentPlatformDouble();
  const children: ChildProcess[] = [];
  try {
    await kube.start();
    for (let i = 0; i < 20; i++) {
      kube.pods.upsert(podFixture({ namespace: 'shop', name: `web-${i}`, containers: [{ name: 'app', image: 'registry.example.com/shop/web:1', digest: `sha256:${'c'.repeat(64)}` }] }));
    }
    await platform.start();
    const kubeconfig = path.join(dir, 'kubeconfig.json');
    writeFileSync(kubeconfig, JSON.stringify(kube.kubeconfig()));

    const agentPort = await freePort();
    const agent = spawnNode(agentMain, [], {
      VIGIL_API_URL: platform.url,
      VIGIL_REGISTRATION_TOKEN: platform.registrationToken,
      VIGIL_CREDENTIALS_FILE: path.join(dir, 'credentials.json'),
      KUBECONFIG: kubeconfig,
      POD_NAMESPACE: 'vigil-system',
      WEBHOOK_PORT: String(agentPort),
      WEBHOOK_TLS_CERT: cert,
      WEBHOOK_TLS_KEY: key,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    }, 'agent');
    children.push(agent.child);
    const barePort = await freePort();
    const bare = spawnNode(__filename, ['--bare-server'], { BARE_PORT: String(barePort), BARE_TLS_CERT: cert, BARE_TLS_KEY: key, NODE_ENV: 'production' }, 'bare');
    children.push(bare.child);
    await waitFor('agent', agent.child, async () => (await httpsCall(agentPort, ca, 'GET', '/readyz')).status === 200, agent.output);
    await waitFor('bare server', bare.child, async () => (await httpsCall(barePort, ca, 'GET', '/')).status === 200, bare.output);

    // Warm the cache (one platform call), and check both servers answer correctly.
    const body = JSON.stringify(review());
    const bodyFile = path.join(dir, 'review.json');
    writeFileSync(bodyFile, body);
    const uid = (review().request as { uid: string }).uid;
    for (const [name, port] of [['agent', agentPort], ['bare', barePort]] as const) {
      const answer = await httpsCall(port, ca, 'POST', '/validate', body);
      const parsed = JSON.parse(answer.text) as { response?: { uid?: string; allowed?: boolean } };
      if (answer.status !== 200 || parsed.response?.uid !== uid || parsed.response.allowed !== true) throw new Error(`${name} answered wrongly: ${answer.status} ${answer.text}`);
    }
    const warmCalls = platform.admissions.length;

    log(`\n== agent admission webhook (HTTPS, warm cache) vs bare node:https, ${rounds} alternating rounds of ${seconds} s ==`);
    const figures = new Map<string, Figures[]>();
    for (const connections of CONCURRENCY) {
      const servers = [['bare', barePort, bare.child], ['agent', agentPort, agent.child]] as const;
      for (const [, port, server] of servers) await load(server, { port, caFile: cert, bodyFile, connections, seconds: Math.min(2, seconds) }); // JIT and connection warm-up, not measured
      // Alternating rounds: load from other work on the machine drifts, and each side sees the same drift.
      for (let round = 0; round < rounds; round++) {
        for (const [name, port, server] of servers) {
          const key = `${name}@${connections}`;
          figures.set(key, [...(figures.get(key) ?? []), await load(server, { port, caFile: cert, bodyFile, connections, seconds })]);
        }
      }
    }
    // Paced: 8 connections at half of what the bare server answered at 8, the same rate for both servers.
    const pacedRate = Math.max(100, Math.round(mean(figures.get('bare@8')!.map((f) => f.rps)) / 2));
    for (let round = 0; round < rounds; round++) {
      for (const [name, port, server] of [['bare', barePort, bare.child], ['agent', agentPort, agent.child]] as const) {
        const key = `${name}@paced`;
        figures.set(key, [...(figures.get(key) ?? []), await load(server, { port, caFile: cert, bodyFile, connections: 8, seconds, rate: pacedRate })]);
      }
    }
    const platformCalls = platform.admissions.length - warmCalls;

    const rows = [...CONCURRENCY, 'paced' as const].flatMap((c) =>
      (['bare', 'agent'] as const).map((name) => {
        const runs = figures.get(`${name}@${c}`)!;
        return [
          name === 'agent' ? 'agent /validate' : 'bare node:https (baseline)',
          c === 'paced' ? `8 at ${fmtRate(pacedRate)}/s` : String(c),
          fmtRate(mean(runs.map((f) => f.rps))),
          fmtMs(median(runs.map((f) => f.p50))),
          fmtMs(median(runs.map((f) => f.p99))),
          fmtRate(runs.reduce((sum, f) => sum + f.requests, 0)),
          String(runs.reduce((sum, f) => sum + f.problems, 0)),
          `${Math.round(median(runs.map((f) => f.serverCpuUsPerRequest)))} µs`,
          median(runs.map((f) => f.clientCores)).toFixed(2),
        ];
      }),
    );
    log(table(['server', 'connections', 'req/s (mean)', 'p50 (median)', 'p99 (median)', 'requests', 'errors/non-2xx', 'server CPU/request', 'load generator cores'], rows));
    const roundRatios = figures.get('agent@64')!.map((f, i) => f.rps / figures.get('bare@64')![i]!.rps);
    const ratio = median(roundRatios);
    const cpuRatio = median(figures.get('bare@64')!.map((f) => f.serverCpuUsPerRequest)) / median(figures.get('agent@64')!.map((f) => f.serverCpuUsPerRequest));
    const p99At8 = median(figures.get('agent@8')!.map((f) => f.p99));
    const p99Paced = median(figures.get('agent@paced')!.map((f) => f.p99));
    const bareP99Paced = median(figures.get('bare@paced')!.map((f) => f.p99));
    log(`\nthroughput at 64 connections: ${(ratio * 100).toFixed(0)} % of the bare server, median of rounds (${roundRatios.map((r) => `${(r * 100).toFixed(0)} %`).join(', ')}) (target ≥ ${TARGET_THROUGHPUT_RATIO * 100} %): ${ratio >= TARGET_THROUGHPUT_RATIO ? 'met' : 'NOT met'}`);
    log(`server CPU per request at 64 connections: the agent needs ${(1 / cpuRatio).toFixed(2)}× the bare server's (bare/agent = ${(cpuRatio * 100).toFixed(0)} %)`);
    log(`p99 at 8 connections, saturated: ${fmtMs(p99At8)}, median of rounds (bare: ${fmtMs(median(figures.get('bare@8')!.map((f) => f.p99)))})`);
    log(`p99 at 8 connections paced to ${fmtRate(pacedRate)}/s: ${fmtMs(p99Paced)}, median of rounds (bare: ${fmtMs(bareP99Paced)}) (target < ${TARGET_P99_MS} ms): ${p99Paced < TARGET_P99_MS ? 'met' : 'NOT met'}`);
    log(`platform admission calls during the measured runs: ${platformCalls} (warm cache: expected 0)`);
    log(`load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores shared with other work; compare ratios, not absolute figures)`);
    log('(autocannon records latency with millisecond resolution; p50/p99 are whole milliseconds)');

    const all = [...figures.values()].flat();
    const problems = all.reduce((sum, f) => sum + f.problems, 0);
    if (problems > 0) log(`PROBLEM: ${problems} requests failed or answered non-2xx`);
    if (platformCalls > 0) log('PROBLEM: the cache was not warm (the agent asked the platform during the runs)');
    return problems === 0 && platformCalls === 0;
  } finally {
    for (const child of children) await stopChild(child);
    await platform.stop();
    await kube.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  if (process.argv[2] === '--bare-server') serveBare();
  else if (process.argv[2] === '--load')
    generateLoad(JSON.parse(process.argv[3]!) as LoadSpec).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
        process.exit(1);
      },
    );
  else
    run().then(
      (ok) => process.exit(ok ? 0 : 1),
      (error: unknown) => {
        log(`agent-admission bench FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        process.exit(1);
      },
    );
}
