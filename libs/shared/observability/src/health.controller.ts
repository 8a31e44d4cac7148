import { Controller, Get, Header, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Redis } from 'ioredis';
import { Database } from '@vigil/shared/database';
import { pingRedis, REDIS } from '@vigil/shared/queue';
import { Public } from '@vigil/shared/auth';
import { MetricsRegistry } from './metrics';

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly database: Database,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly metrics: MetricsRegistry,
  ) {}

  @Public()
  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready only when both stores answer: a load balancer stops sending traffic otherwise. */
  @Public()
  @Get('readyz')
  async readyz(): Promise<{ status: 'ok'; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    const [db, redis] = await Promise.allSettled([withTimeout(this.database.ping(), 2000), pingRedis(this.redis, 2000)]);
    checks.postgres = db.status === 'fulfilled' ? 'ok' : 'unreachable';
    checks.redis = redis.status === 'fulfilled' ? 'ok' : 'unreachable';
    if (db.status !== 'fulfilled' || redis.status !== 'fulfilled') {
      throw new ServiceUnavailableException(`not ready: postgres ${checks.postgres}, redis ${checks.redis}`);
    }
    return { status: 'ok', checks };
  }

  @Public()
  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms);
    }),
  ]);
}
