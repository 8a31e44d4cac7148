// The real platform, in-process, for benchmarks: its own freshly migrated
// database on the local Postgres, real Redis, the real Nest HTTP stack on
// loopback, and plain HTTP clients (keep-alive) that speak to it as an
// operator, a user and an agent would.
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Agent, request } from 'undici';
import { signRequest } from '@vigil/agent-protocol';
import { loadPlatformConfig } from '@vigil/shared/config';
import { buildDataSourceOptions } from '@vigil/shared/database';
import { createEmptyDatabase } from '@vigil/shared/testing';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { allMigrations } from '../../migrations';

export const BENCH_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BENCH_SECRET_KEY = 'bench-secret-key-0123456789abcdef0123456789';
export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

export interface BenchDatabase {
  name: string;
  url: string;
  drop: () => Promise<void>;
}

function assertLoopback(url: string, what: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`${what}: benchmarks only talk to loopback addresses (got ${host})`);
  }
}

/**
 * A fresh database with every migration applied. We do not use the shared jest
 * template (`prepareTemplateDatabase` drops and recreates it, which would pull
 * it from under test runs happening at the same time).
 */
export async function createMigratedDatabase(): Promise<BenchDatabase> {
  const db = await createEmptyDatabase();
  assertLoopback(db.url, 'TEST_DATABASE_URL');
  const dataSource = new DataSource(buildDataSourceOptions({ url: db.url, migrations: allMigrations, asAppRole: false, poolSize: 1, applicationName: 'vigil-bench-migrate' }));
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
  return db;
}

/** A superuser connection to one benchmark database (data generation, baselines, EXPLAIN). */
export async function connect(url: string, applicationName = 'vigil-bench'): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: applicationName });
  await client.connect();
  return client;
}

export interface HttpResult<T = any> {
  status: number;
  body: T;
}

/** Keep-alive HTTP client over undici; bodies are sent as given (signatures cover exact bytes). */
export class HttpClient {
  private readonly dispatcher: Agent;

  constructor(readonly baseUrl: string, connections = 16) {
    assertLoopback(baseUrl, 'API URL');
    this.dispatcher = new Agent({ connections, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  async send<T = any>(method: string, path: string, options: { body?: string; headers?: Record<string, string> } = {}): Promise<HttpResult<T>> {
    const res = await request(`${this.baseUrl}${path}`, {
      method: method as 'GET',
      headers: options.headers,
      body: options.body,
      dispatcher: this.dispatcher,
    });
    const text = await res.body.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      /* keep the text */
    }
    return { status: res.statusCode, body: body as T };
  }

  /** A user or admin call with a bearer token and a JSON body. */
  json<T = any>(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    return this.send<T>(method, path, { body, headers });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

export interface AgentCredential {
  clusterId: string;
  keyId: string;
  secret: string;
}

/** A signed agent call, exactly as apps/agent makes it (signature over method, path, time, nonce, body digest). */
export function signedPost<T = any>(http: HttpClient, credential: AgentCredential, path: string, body: string): Promise<HttpResult<T>> {
  const headers: Record<string, string> = {
    ...signRequest({ method: 'POST', path, body, keyId: credential.keyId, secret: credential.secret, clusterId: credential.clusterId }),
    'content-type': 'application/json',
  };
  return http.send<T>('POST', path, { body, headers });
}

export function expectStatus(result: HttpResult, status: number, what: string): void {
  if (result.status !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${result.status} ${JSON.stringify(result.body).slice(0, 500)}`);
  }
}

export interface Tenant {
  orgId: string;
  rootGroupId: string;
  /** API token of a service identity that owns the root group. */
  ownerToken: string;
}

export class BenchPlatform {
  private constructor(
    readonly url: string,
    readonly database: BenchDatabase,
    readonly http: HttpClient,
    private readonly app: INestApplication,
    private readonly queuePrefix: string,
  ) {}

  /** The API as `npm run start:api` builds it, with logging silenced, on an ephemeral loopback port. */
  static async start(): Promise<BenchPlatform> {
    assertLoopback(BENCH_REDIS_URL, 'TEST_REDIS_URL');
    const database = await createMigratedDatabase();
    try {
      const config = loadPlatformConfig({
        NODE_ENV: 'production',
        DATABASE_URL: database.url,
        REDIS_URL: BENCH_REDIS_URL,
        VIGIL_SECRET_KEY: BENCH_SECRET_KEY,
        VIGIL_ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
        LOG_LEVEL: 'silent',
      });
      const queuePrefix = `bench-${database.name}`;
      const app = await createApiApp(config, { queuePrefix });
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as AddressInfo;
      const url = `http://127.0.0.1:${port}`;
      return new BenchPlatform(url, database, new HttpClient(url), app, queuePrefix);
    } catch (error) {
      await database.drop().catch(() => undefined);
      throw error;
    }
  }

  /** An org made by the platform admin, and an owner service identity with an API token (as an operator sets one up). */
  async createTenant(name: string): Promise<Tenant> {
    const org = await this.http.json('POST', '/v1/orgs', { token: BENCH_ADMIN_TOKEN, body: { name } });
    expectStatus(org, 201, 'POST /v1/orgs');
    const headers = { 'vigil-org-id': org.body.id };
    const identity = await this.http.json('POST', '/v1/identities', {
      token: BENCH_ADMIN_TOKEN,
      headers,
      body: { groupId: org.body.rootGroupId, name: `${name}-owner`, kind: 'service' },
    });
    expectStatus(identity, 201, 'POST /v1/identities');
    const binding = await this.http.json('POST', '/v1/role-bindings', {
      token: BENCH_ADMIN_TOKEN,
      headers,
      body: { identityId: identity.body.id, groupId: org.body.rootGroupId, role: 'owner' },
    });
    expectStatus(binding, 201, 'POST /v1/role-bindings');
    const token = await this.http.json('POST', `/v1/identities/${identity.body.id}/tokens`, { token: BENCH_ADMIN_TOKEN, headers, body: {} });
    expectStatus(token, 201, 'POST /v1/identities/:id/tokens');
    return { orgId: org.body.id, rootGroupId: org.body.rootGroupId, ownerToken: token.body.token };
  }

  /** POST /v1/clusters: the new cluster's id (its registration token is not used). */
  async createCluster(tenant: Tenant, name: string): Promise<string> {
    const cluster = await this.http.json('POST', '/v1/clusters', { token: tenant.ownerToken, body: { groupId: tenant.rootGroupId, name } });
    expectStatus(cluster, 201, 'POST /v1/clusters');
    return cluster.body.id;
  }

  /** POST /v1/clusters then POST /v1/agent/register: the agent's credential. */
  async createClusterWithAgent(tenant: Tenant, name: string): Promise<AgentCredential> {
    const cluster = await this.http.json('POST', '/v1/clusters', { token: tenant.ownerToken, body: { groupId: tenant.rootGroupId, name } });
    expectStatus(cluster, 201, 'POST /v1/clusters');
    if (typeof cluster.body?.registrationToken !== 'string') throw new Error(`POST /v1/clusters: no registrationToken in ${JSON.stringify(cluster.body)}`);
    const registered = await this.http.json('POST', '/v1/agent/register', {
      body: { registrationToken: cluster.body.registrationToken, agentVersion: '0.1.0-bench', kubernetesVersion: 'v1.30.2' },
    });
    expectStatus(registered, 201, 'POST /v1/agent/register');
    const { clusterId, keyId, secret } = registered.body ?? {};
    if (clusterId !== cluster.body.id || typeof keyId !== 'string' || typeof secret !== 'string') {
      throw new Error(`POST /v1/agent/register: unexpected answer ${JSON.stringify({ clusterId, keyId, secret: secret ? '(set)' : secret })}`);
    }
    return { clusterId, keyId, secret };
  }

  /** Stops the API; drops its database unless BENCH_KEEP_DB=1 (then prints its URL for inspection). */
  async stop(): Promise<void> {
    await this.http.close().catch(() => undefined);
    await this.app.close().catch(() => undefined);
    await purgeRedisPrefix(this.queuePrefix).catch(() => undefined);
    if (process.env.BENCH_KEEP_DB === '1') {
      process.stdout.write(`kept database ${this.database.url} (BENCH_KEEP_DB=1; drop it when done)\n`);
      return;
    }
    await this.database.drop();
  }
}

/** Removes the BullMQ keys this run created (only its own, unique prefix). */
async function purgeRedisPrefix(prefix: string): Promise<void> {
  if (!/^bench-vigil_[a-z]_[0-9a-f]+$/.test(prefix)) return;
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(BENCH_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    for (let round = 0; round < 10_000; round++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
      if (cursor === '0') break;
    }
  } finally {
    redis.disconnect();
  }
}
