import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import pino from 'pino';
import { AgentHandle, startAgent } from '../../../apps/agent/src/agent-app';
import { AgentConfig, agentEnvSchema, resolveAgentConfig } from '../../../apps/agent/src/agent-config';
import { FakeKubeApiServer } from '../../../tools/simulated-cluster';

export interface TlsFiles {
  dir: string;
  cert: string;
  key: string;
  ca: Buffer;
}

/** A self-signed serving certificate for 127.0.0.1, made with the openssl CLI. */
export function makeTls(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-agent-tls-'));
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', key, '-out', cert, '-subj', '/CN=vigil-agent', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { dir, cert, key, ca: readFileSync(cert) };
}

/**
 * The platform under test is only a base URL plus what the test needs to seed:
 * today the AgentPlatformDouble, later the real apps/api (ARCHITECTURE §9 names
 * the same endpoints).
 */
export interface PlatformUnderTest {
  url: string;
  registrationToken: string;
}

export function agentConfig(platform: PlatformUnderTest, tls: TlsFiles, overrides: Record<string, string> = {}): AgentConfig {
  const env = agentEnvSchema.parse({
    VIGIL_API_URL: platform.url,
    VIGIL_REGISTRATION_TOKEN: platform.registrationToken,
    VIGIL_CREDENTIALS_FILE: join(tls.dir, `credentials-${Math.random().toString(36).slice(2)}.json`),
    WEBHOOK_PORT: '0',
    WEBHOOK_TLS_CERT: tls.cert,
    WEBHOOK_TLS_KEY: tls.key,
    POD_NAMESPACE: 'vigil-system',
    LOG_LEVEL: 'silent',
    VIGIL_INVENTORY_FLUSH_MS: '20',
    VIGIL_COMMAND_POLL_MS: '100',
    VIGIL_HEARTBEAT_INTERVAL_MS: '200',
    VIGIL_WATCH_IDLE_TIMEOUT_MS: '60000',
    VIGIL_KUBE_TIMEOUT_MS: '5000',
    VIGIL_PLATFORM_TIMEOUT_MS: '2000',
    // One replica per test unless a test elects a leader (leader-election.int-spec.ts).
    VIGIL_LEADER_ELECTION: 'false',
    ...overrides,
  });
  return resolveAgentConfig(env, 'test-agent', Math.random().toString(16).slice(2, 10));
}

export function kubeConfigFor(kube: FakeKubeApiServer): KubeConfig {
  const kc = new KubeConfig();
  // The same document a KUBECONFIG file holds (JSON is YAML).
  kc.loadFromString(JSON.stringify(kube.kubeconfig()));
  return kc;
}

/** Writes the fake's kubeconfig to a file, as KUBECONFIG would name it. */
export function writeKubeconfig(kube: FakeKubeApiServer, dir: string): string {
  const path = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(kube.kubeconfig()));
  return path;
}

export async function startTestAgent(config: AgentConfig, kube: FakeKubeApiServer): Promise<AgentHandle> {
  return startAgent(config, { kubeConfig: kubeConfigFor(kube), logger: pino({ level: 'silent' }) });
}

/**
 * Polls until `check` passes (returns without throwing), then returns its value.
 * Not a timed assertion: the deadline only bounds a hang; the jest timeout would too.
 */
export async function eventually<T>(check: () => T | Promise<T>, what = 'condition', limitMs = 15_000): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      last = error;
    }
    if (Date.now() - start > limitMs) throw new Error(`${what} never held: ${(last as Error)?.message ?? last}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function postJson(port: number, ca: Buffer, path: string, body: string | object): Promise<{ status: number; json: any; text: string }> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, method: 'POST', ca, servername: 'localhost', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export function getText(port: number, ca: Buffer, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, method: 'GET', ca, servername: 'localhost' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
