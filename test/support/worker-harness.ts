import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { loadPlatformConfig } from '../../libs/shared/config/src';
import { type ApiHarness, TEST_REDIS_URL, TEST_SECRET_KEY } from './api-harness';

/** A real worker process-in-a-test on the API harness's database and queue prefix; stop it with `close()`. */
export async function startWorker(api: ApiHarness, env: Record<string, string> = {}): Promise<INestApplicationContext> {
  const config = loadPlatformConfig({ DATABASE_URL: api.databaseUrl, REDIS_URL: TEST_REDIS_URL, VIGIL_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', ...env });
  const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, { queuePrefix: api.queuePrefix }), { logger: false });
  if (process.env.TEST_LOG_LEVEL) worker.useLogger(worker.get(Logger)); // as main.ts does: processors' logs through pino
  await worker.init();
  return worker;
}

/** Polls (bounded) until `check` returns a value other than undefined. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting for ${what}`);
}
