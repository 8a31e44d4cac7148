import { DynamicModule, Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import type { Redis } from 'ioredis';
import { createRedisConnection } from './redis';
import { DEFAULT_JOB_OPTIONS } from './queue-contract';

export const REDIS = Symbol('REDIS');

export interface QueueModuleOptions {
  redisUrl: string;
  /** Key prefix: tests give each file its own, so files never see each other's jobs. */
  prefix?: string;
}

class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

@Global()
@Module({})
export class QueueModule {
  static forRoot(options: QueueModuleOptions): DynamicModule {
    return {
      module: QueueModule,
      imports: [
        BullModule.forRoot({
          connection: { url: options.redisUrl, maxRetriesPerRequest: null },
          prefix: options.prefix ?? 'vigil',
          defaultJobOptions: DEFAULT_JOB_OPTIONS,
        }),
      ],
      providers: [
        { provide: REDIS, useFactory: () => createRedisConnection(options.redisUrl, { maxRetriesPerRequest: 1 }) },
        RedisCloser,
      ],
      exports: [REDIS, BullModule],
    };
  }
}
