import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { ApiModuleOptions } from '../../apps/api/src/api.module';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { loadPlatformConfig, type PlatformConfig } from '../../libs/shared/config/src';
import { createTestDatabase } from '../../libs/shared/testing/src';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789';
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface HttpResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

/** A real API process-in-a-test: its own database (cloned from the migrated template), real Redis, real HTTP. */
export class ApiHarness {
  private constructor(
    readonly url: string,
    readonly queuePrefix: string,
    readonly databaseUrl: string,
    private readonly app: INestApplication,
    private readonly dropDatabase: () => Promise<void>,
    private readonly config: PlatformConfig,
  ) {}

  static async start(env: Record<string, string> = {}, port = 0): Promise<ApiHarness> {
    const database = await createTestDatabase();
    const config = loadPlatformConfig({
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      VIGIL_SECRET_KEY: TEST_SECRET_KEY,
      VIGIL_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
    });
    const queuePrefix = `test-${database.name}`;
    const app = await createApiApp(config, { queuePrefix });
    await app.listen(port, '127.0.0.1');
    const address = app.getHttpServer().address() as AddressInfo;
    return new ApiHarness(`http://127.0.0.1:${address.port}`, queuePrefix, database.url, app, database.drop, config);
  }

  /** Another API process on the same database and queues, as a second replica behind a load balancer (stopping it keeps the database). */
  async replica(options: Omit<ApiModuleOptions, 'queuePrefix'> = {}): Promise<ApiHarness> {
    const app = await createApiApp(this.config, { ...options, queuePrefix: this.queuePrefix });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as AddressInfo;
    return new ApiHarness(`http://127.0.0.1:${address.port}`, this.queuePrefix, this.databaseUrl, app, async () => undefined, this.config);
  }

  /** The application itself, for tests that look inside (e.g. at a cache). */
  get<T>(token: abstract new (...args: never[]) => T): T {
    return this.app.get(token, { strict: false });
  }

  async request<T = any>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    } else if (body !== undefined && !headers['content-type']) {
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.url}${path}`, { method, headers, body, redirect: 'manual' });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: response.status, body: parsed as T, headers: response.headers };
  }

  async stop(): Promise<void> {
    await this.app.close();
    await this.dropDatabase();
  }
}
