import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HousekeepingProcessor } from '../../apps/worker/src/housekeeping/housekeeping.processor';
import { startHealthServer } from '../../apps/worker/src/health-server';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { loadPlatformConfig } from '../../libs/shared/config/src';
import { Database } from '../../libs/shared/database/src';
import { MetricsRegistry } from '../../libs/shared/observability/src';
import { QUEUE_NAMES, REDIS } from '../../libs/shared/queue/src';
import { createTestDatabase } from '../../libs/shared/testing/src';
import { TEST_REDIS_URL, TEST_SECRET_KEY } from '../support/api-harness';

describe('worker process', () => {
  let app: INestApplicationContext;
  let server: Server;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    const config = loadPlatformConfig({ DATABASE_URL: database.url, REDIS_URL: TEST_REDIS_URL, VIGIL_SECRET_KEY: TEST_SECRET_KEY, LOG_LEVEL: 'silent' });
    app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, { queuePrefix: `test-${database.name}` }), { logger: false });
    await app.init();
    server = startHealthServer(0, { database: app.get(Database), redis: app.get(REDIS), metrics: app.get(MetricsRegistry) });
    await new Promise((r) => server.once('listening', r));
  });
  afterAll(async () => {
    server.close();
    await app.close();
    await drop();
  });

  it('schedules the housekeeping tick once, however many replicas start', async () => {
    const queue = app.get<Queue>(getQueueToken(QUEUE_NAMES.housekeeping));
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toEqual(['housekeeping.tick']);
  });

  it('processes housekeeping jobs from Redis', async () => {
    const queue = app.get<Queue>(getQueueToken(QUEUE_NAMES.housekeeping));
    const processor = app.get(HousekeepingProcessor);
    const before = processor.ticks;
    const job = await queue.add('housekeeping.tick', {});
    for (let i = 0; i < 100 && !(await job.isCompleted()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await job.isCompleted()).toBe(true);
    expect(processor.ticks).toBeGreaterThan(before);
  });

  it('serves health, readiness and metrics', async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/process_cpu_seconds_total/);
    expect((await fetch(`${base}/anything`)).status).toBe(404);
  });
});
