// Admission decisions: agents send signed POST /v1/agent/admission over real
// HTTP to the real platform (Nest stack, agent signature guard, Postgres) whose
// verified metadata is warm (cached after a first verification against a real
// local docker-registry), with 10 policies of mixed kinds governing every
// image. Printed beside two baselines measured in the same run: the same HTTP
// stack answering a constant (guard and body validation included, decision
// and recording replaced), and a bare node:http server answering a constant.
// The load comes from a child process (bench/support/admission-load.ts), as
// real agents come from other machines.
//
//   npm run build && node dist/bench/admission.bench.js
//   BENCH_ADMISSION_REQUESTS=4000 BENCH_ADMISSION_CONCURRENCY=16
//   BENCH_ADMISSION_FAST_LANE=0 (the full Nest stack for the admission route, to compare)
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AdmissionResponse } from '@vigil/agent-protocol';
import { RegistryClient, type RepositoryLocation } from '@vigil/oci';
import { loadPlatformConfig } from '@vigil/shared/config';
import { AdmissionService } from '@vigil/verification';
import { createApiApp } from '../apps/api/src/bootstrap';
import { ADMISSION_PATH, admissionBody, runLoad, type LoadOutcome } from './support/admission-load';
import { AgentCredential, BENCH_REDIS_URL, connect, createMigratedDatabase, expectStatus, HttpClient, signedPost } from './support/bench-platform';
import { envInt, fmtMs, fmtRate, log, machineCpuMs, table } from './support/stats';

const TARGET_PER_SECOND = 1_000;
const TARGET_P99_MS = 50;
const ADMIN_TOKEN = 'bench-admission-admin-token-0123456789';
const SLSA = 'https://slsa.dev/provenance/v0.2';
const BUILDER = 'https://github.com/acme/builder@v1';

export interface AdmissionSettings {
  requests: number;
  concurrency: number;
  images: number;
  rounds: number;
}

export function admissionSettings(): AdmissionSettings {
  return {
    requests: envInt('BENCH_ADMISSION_REQUESTS', 4000, 100, 1_000_000),
    concurrency: envInt('BENCH_ADMISSION_CONCURRENCY', 16, 1, 256),
    images: envInt('BENCH_ADMISSION_IMAGES', 10, 1, 200),
    rounds: envInt('BENCH_ADMISSION_ROUNDS', 2, 1, 10),
  };
}

// ---------------------------------------------------------------- registry

interface Registry {
  host: string;
  stop(): Promise<void>;
}

/** Debian's docker-registry on loopback with a temp filesystem store (apt-get install docker-registry). */
async function startRegistry(): Promise<Registry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-registry-'));
  const port = await new Promise<number>((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as AddressInfo;
      server.close(() => resolve(p));
    });
  });
  const host = `127.0.0.1:${port}`;
  const config = ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`, 'http:', `  addr: ${host}`, `  secret: ${randomBytes(16).toString('hex')}`];
  await writeFile(`${dir}/config.yml`, `${config.join('\n')}\n`);
  const child: ChildProcess = spawn('docker-registry', ['serve', `${dir}/config.yml`], { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      });
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(1000) })).status === 200) return { host, stop };
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error('docker-registry did not start (is the Debian package docker-registry installed?)');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const descriptor = (mediaType: string, bytes: Buffer, annotations?: Record<string, string>) => ({ mediaType, digest: sha256(bytes), size: bytes.length, ...(annotations ? { annotations } : {}) });
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';

async function pushManifest(client: RegistryClient, location: RepositoryLocation, tag: string, config: Buffer, layers: { mediaType: string; bytes: Buffer; annotations?: Record<string, string> }[]): Promise<string> {
  for (const b of [config, ...layers.map((l) => l.bytes)]) await client.pushBlob(location, b);
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: descriptor(OCI_CONFIG, config), layers: layers.map((l) => descriptor(l.mediaType, l.bytes, l.annotations)) }),
  );
  return client.pushManifest(location, tag, manifest, OCI_MANIFEST);
}

/** An image signed by `keys` (cosign simple signing) and attested with SLSA provenance by the first key. */
async function pushSignedImage(client: RegistryClient, location: RepositoryLocation, keys: KeyObject[]): Promise<string> {
  const layer = gzipSync(Buffer.from(`bench image ${location.repository}`));
  const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
  const digest = await pushManifest(client, location, '1.0', config, [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', bytes: layer }]);
  const name = `${location.registry}/${location.repository}`;
  const tag = (suffix: string) => `${digest.replace(':', '-')}.${suffix}`;
  const cosignConfig = Buffer.from(JSON.stringify({ architecture: '', os: '', rootfs: { type: 'layers', diff_ids: [] }, config: {} }));
  const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': name }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));
  await pushManifest(
    client,
    location,
    tag('sig'),
    cosignConfig,
    keys.map((key) => ({ mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', bytes: payload, annotations: { 'dev.cosignproject.cosign/signature': sign('sha256', payload, key).toString('base64') } })),
  );
  const statement = Buffer.from(
    JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType: SLSA, subject: [{ name, digest: { sha256: digest.slice(7) } }], predicate: { builder: { id: BUILDER }, buildType: 'bench' } }),
  );
  const pae = Buffer.from(`DSSEv1 28 application/vnd.in-toto+json ${statement.length} ${statement.toString('latin1')}`, 'latin1');
  const envelope = Buffer.from(JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload: statement.toString('base64'), signatures: [{ keyid: '', sig: sign('sha256', pae, keys[0]).toString('base64') }] }));
  await pushManifest(client, location, tag('att'), cosignConfig, [{ mediaType: 'application/vnd.dsse.envelope.v1+json', bytes: envelope, annotations: { 'dev.cosignproject.cosign/signature': '', predicateType: SLSA } }]);
  return digest;
}

// ---------------------------------------------------------------- policies

function pemBlock(pem: string, spaces: number): string {
  return pem.trim().split('\n').map((l) => ' '.repeat(spaces) + l).join('\n');
}

/** Ten policies of mixed kinds, every one applying to the bench images (and passing, as in a healthy cluster). */
function benchPolicies(host: string, release: string, ops: string, stranger: string): string[] {
  const glob = `${host}/bench/**`;
  const vigil = (name: string, spec: string) => `apiVersion: vigil.dev/v1\nkind: ImagePolicy\nmetadata: {name: ${name}}\nspec:\n${spec}`;
  const key = (pem: string, name: string, extra = '') => `    - name: ${name}\n      key:\n        name: ${name}\n        data: |\n${pemBlock(pem, 10)}\n${extra}`;
  const attestation = `      attestations:\n        - name: provenance\n          predicateType: ${SLSA}\n          policy: {type: cel, data: 'predicate.builder.id == "${BUILDER}"'}\n`;
  return [
    vigil('signed-release', `  images: [{glob: "${glob}"}]\n  authorities:\n${key(release, 'release')}`),
    vigil('signed-ops', `  images: [{glob: "${glob}"}]\n  authorities:\n${key(ops, 'ops')}`),
    vigil('provenance', `  images: [{glob: "${glob}"}]\n  authorities:\n${key(release, 'release', attestation)}`),
    vigil('either-key', `  images: [{glob: "${glob}"}]\n  authorities:\n${key(stranger, 'stranger')}${key(release, 'release')}`),
    vigil('warn-signed', `  images: [{glob: "${glob}"}]\n  mode: warn\n  authorities:\n${key(ops, 'ops')}`),
    vigil('registry-pinned', `  images: [{glob: "${glob}"}]\n  policy: {type: cel, data: 'image.registry == "${host}" && image.digest.startsWith("sha256:")'}`),
    vigil('namespaces', `  images: [{glob: "${glob}"}]\n  authorities: [{static: {action: pass}}]\n  policy: {type: cel, data: 'object.namespace != "kube-system"'}`),
    vigil('labelled-web', `  images: [{glob: "${glob}"}]\n  match: [{resource: deployments, selector: {matchLabels: {app: web}}}]\n  authorities: [{static: {action: pass}}]`),
    `apiVersion: policy.sigstore.dev/v1beta1\nkind: ClusterImagePolicy\nmetadata: {name: cip-release}\nspec:\n  images: [{glob: "${glob}"}]\n  authorities:\n    - key:\n        data: |\n${pemBlock(release, 10)}\n`,
    `apiVersion: policy.sigstore.dev/v1alpha1\nkind: ClusterImagePolicy\nmetadata: {name: cip-static}\nspec:\n  images: [{glob: "**bench**"}]\n  authorities: [{static: {action: pass}}]\n`,
  ];
}

// ---------------------------------------------------------------- run

export async function run(): Promise<boolean> {
  const settings = admissionSettings();
  log(`\n== admission decisions: ${settings.requests} signed requests × ${settings.rounds} rounds, ${settings.concurrency} in flight, 1 image each of ${settings.images}, 10 policies, warm metadata, fast lane ${process.env.BENCH_ADMISSION_FAST_LANE === "0" ? "off" : "on"} ==`);
  const registry = await startRegistry();
  const database = await createMigratedDatabase();
  const pusher = new RegistryClient({ insecureRegistries: [registry.host], allowPrivateTargets: true });
  let app: Awaited<ReturnType<typeof createApiApp>> | undefined;
  let http: HttpClient | undefined;
  const bare = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(CONSTANT_BODY);
    });
  });
  try {
    const keys = [generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), generateKeyPairSync('ec', { namedCurve: 'prime256v1' })];
    const [release, ops, stranger] = keys.map((k) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const refs: string[] = [];
    for (let i = 0; i < settings.images; i++) {
      const location = { registry: registry.host, repository: `bench/app-${i}` };
      const digest = await pushSignedImage(pusher, location, [keys[0].privateKey, keys[1].privateKey]);
      refs.push(`${registry.host}/${location.repository}@${digest}`);
    }

    const config = loadPlatformConfig({
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      REDIS_URL: BENCH_REDIS_URL,
      VIGIL_SECRET_KEY: 'bench-admission-secret-key-0123456789abcdef',
      VIGIL_ADMIN_TOKEN: ADMIN_TOKEN,
      VIGIL_INSECURE_REGISTRIES: '127.0.0.1',
      VIGIL_ALLOW_PRIVATE_TARGETS: 'true',
      LOG_LEVEL: 'silent',
    });
    app = await createApiApp(config, { queuePrefix: `bench-admission-${database.name}`, admissionFastLane: process.env.BENCH_ADMISSION_FAST_LANE !== '0' });
    await app.listen(0, '127.0.0.1');
    http = new HttpClient(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`, settings.concurrency);

    const orgRes = await http.json('POST', '/v1/orgs', { token: ADMIN_TOKEN, body: { name: 'bench-admission' } });
    expectStatus(orgRes, 201, 'POST /v1/orgs');
    const admin = { token: ADMIN_TOKEN, headers: { 'vigil-org-id': orgRes.body.id } };
    for (const document of benchPolicies(registry.host, release, ops, stranger)) {
      expectStatus(await http.json('POST', '/v1/policies', { ...admin, body: { groupId: orgRes.body.rootGroupId, document } }), 201, 'POST /v1/policies');
    }
    const cluster = await http.json('POST', '/v1/clusters', { ...admin, body: { groupId: orgRes.body.rootGroupId, name: 'bench', noMatch: 'deny' } });
    expectStatus(cluster, 201, 'POST /v1/clusters');
    const registered = await http.json('POST', '/v1/agent/register', { body: { registrationToken: cluster.body.registrationToken } });
    expectStatus(registered, 201, 'POST /v1/agent/register');
    const credential: AgentCredential = registered.body;

    const apiUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    const load = (label: string, check: 'clean-allow' | 'allowed' | 'any', requests = settings.requests) =>
      runLoad({ label, url: apiUrl, requests, concurrency: settings.concurrency, refs, credential, check });

    // Warm-up: the first request per image verifies against the registry; the rest is JIT and pools.
    for (let i = 0; i < refs.length; i++) {
      const res = await signedPost<AdmissionResponse>(http, credential, ADMISSION_PATH, admissionBody(i, refs));
      const clean = res.status === 200 && res.body.allowed && res.body.reasons.length === 0 && res.body.warnings.length === 0;
      if (!clean) throw new Error(`warm-up admission of ${refs[i]}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    const warmUp = await load('warm-up', 'clean-allow', Math.min(500, settings.requests));
    if (warmUp.problems.length > 0) throw new Error(`warm-up: ${warmUp.problems[0]}`);

    const service = app.get(AdmissionService);
    const decide = service.decide.bind(service);
    const constant = JSON.parse(CONSTANT_BODY) as AdmissionResponse;
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;

    // Server CPU per request (this process serves; the load runs elsewhere): steadier than req/s on a busy machine.
    // And the whole machine's (load generator and Postgres too): with two cores, their sum is what bounds req/s.
    // The API's event-loop stalls: a latency tail the loop's own max explains is the process's (GC, long tasks), else waiting (Postgres, the scheduler).
    const outcomes: (LoadOutcome & { cpuMsPerRequest: number; machineMsPerRequest: number; loopDelayMaxMs: number })[] = [];
    const measured = async (run: () => Promise<LoadOutcome>) => {
      const before = process.cpuUsage();
      const machineBefore = machineCpuMs();
      const loopDelay = monitorEventLoopDelay({ resolution: 5 });
      loopDelay.enable();
      const outcome = await run();
      loopDelay.disable();
      const used = process.cpuUsage(before);
      const machineUsed = machineCpuMs() - machineBefore;
      outcomes.push({
        ...outcome,
        cpuMsPerRequest: (used.user + used.system) / 1000 / settings.requests,
        machineMsPerRequest: machineUsed / settings.requests,
        loopDelayMaxMs: loopDelay.max / 1e6,
      });
    };
    try {
      for (let round = 0; round < settings.rounds; round++) {
        service.decide = async () => constant;
        await measured(() => load('baseline: same stack, constant answer', 'allowed'));
        service.decide = decide;
        await measured(() => load('admission decisions (warm)', 'clean-allow'));
        await measured(() => runLoad({ label: 'baseline: bare node:http, constant', url: bareUrl, requests: settings.requests, concurrency: settings.concurrency, refs, check: 'any' }));
      }
    } finally {
      service.decide = decide;
    }

    const rows = outcomes.map((o) => [o.label, fmtRate(o.perSecond), fmtMs(o.latency.p50), fmtMs(o.latency.p95), fmtMs(o.latency.p99), fmtMs(o.latency.max), fmtMs(o.cpuMsPerRequest), Number.isNaN(o.machineMsPerRequest) ? 'n/a' : fmtMs(o.machineMsPerRequest), fmtMs(o.loopDelayMaxMs)]);
    log(table(['run', 'req/s', 'p50', 'p95', 'p99', 'max', 'API CPU/req', 'machine CPU/req', 'API loop stall max'], rows));
    log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
    const real = outcomes.filter((o) => o.label.startsWith('admission'));
    const best = real.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const problems = outcomes.flatMap((o) => o.problems.map((p) => `${o.label}: ${p}`));
    const recorded = await countDecisions(database.url);
    log(`admission decisions recorded in Postgres: ${recorded}`);
    log(
      `admission: ${fmtRate(best.perSecond)} decisions/s (target ≥ ${TARGET_PER_SECOND}), p99 ${fmtMs(best.latency.p99)} (target < ${TARGET_P99_MS} ms)` +
        ` — ${best.perSecond >= TARGET_PER_SECOND && best.latency.p99 < TARGET_P99_MS ? 'meets' : 'BELOW'} target`,
    );
    for (const p of problems) log(`  problem: ${p}`);
    return problems.length === 0;
  } finally {
    await http?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await new Promise((resolve) => bare.close(resolve));
    await pusher.close().catch(() => undefined);
    await registry.stop().catch(() => undefined);
    await database.drop().catch(() => undefined);
  }
}

const CONSTANT_BODY = JSON.stringify({ allowed: true, warnings: [], reasons: [], policyStateToken: 'ps1_constant', decisions: [] });

/** As the database owner: the app role sees no tenant rows outside an org transaction. */
async function countDecisions(url: string): Promise<number> {
  const client = await connect(url);
  try {
    return (await client.query(`SELECT count(*)::int AS n FROM admission_decisions`)).rows[0].n;
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  run().then(
    (ok) => process.exit(ok ? 0 : 1),
    (error) => {
      log(`admission bench FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(1);
    },
  );
}
