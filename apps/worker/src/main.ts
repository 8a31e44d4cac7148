import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { loadConfigOrExit, loadPlatformConfig } from '@vigil/shared/config';
import { Database } from '@vigil/shared/database';
import { MetricsRegistry } from '@vigil/shared/observability';
import { REDIS } from '@vigil/shared/queue';
import { startHealthServer } from './health-server';
import { WorkerModule } from './worker.module';

async function main(): Promise<void> {
  const config = loadConfigOrExit(() => loadPlatformConfig());
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  const server = startHealthServer(config.env.WORKER_HEALTH_PORT, {
    database: app.get(Database),
    redis: app.get(REDIS),
    metrics: app.get(MetricsRegistry),
  });
  const stop = () => server.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`vigil-worker failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
