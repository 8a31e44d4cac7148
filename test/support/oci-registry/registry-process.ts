import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RegistryTokenAuth {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM file with the certificate(s) whose keys sign the tokens. */
  readonly rootCertBundle: string;
}

export interface RunningRegistry {
  /** `127.0.0.1:<port>`: the registry part of image references. */
  readonly host: string;
  readonly url: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;

/**
 * Starts Debian's `docker-registry` (distribution 2.8) on loopback with
 * filesystem storage in a fresh temp dir, optionally with token auth, and
 * waits until `/v2/` answers. Needs `apt-get install -y docker-registry`.
 */
export async function startRegistry(options: { tokenAuth?: RegistryTokenAuth } = {}): Promise<RunningRegistry> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const auth = options.tokenAuth
    ? [
        'auth:',
        '  token:',
        `    realm: ${options.tokenAuth.realm}`,
        `    service: ${options.tokenAuth.service}`,
        `    issuer: ${options.tokenAuth.issuer}`,
        `    rootcertbundle: ${options.tokenAuth.rootCertBundle}`,
      ]
    : [];
  const config = [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${path.join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    ...auth,
  ].join('\n');
  const configPath = path.join(dir, 'config.yml');
  await writeFile(configPath, `${config}\n`);

  const child = spawn('docker-registry', ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + String(chunk)).slice(-4000)));
  const stop = async () => {
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForV2(`http://${host}/v2/`, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, url: `http://${host}`, stop };
}

async function waitForV2(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => (exited = true));
  child.once('error', () => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`docker-registry exited while starting: ${stderr()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not answer ${url} within ${START_TIMEOUT_MS} ms: ${stderr()}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A free loopback port for a server that must be told its port up front. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
