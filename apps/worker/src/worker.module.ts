import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AdvisoriesCoreModule, advisoryEntities } from '@vigil/advisories';
import { auditEntities } from '@vigil/audit';
import { clusterEntities } from '@vigil/clusters';
import { EventsCoreModule, eventEntities } from '@vigil/events';
import { iamEntities } from '@vigil/iam';
import { ImagesCoreModule, imageEntities } from '@vigil/images';
import { inventoryEntities } from '@vigil/inventory';
import { policyEntities } from '@vigil/policies';
import { registryEntities, RegistryCredentialsCoreModule } from '@vigil/registries';
import { ConfigModule, PlatformConfig } from '@vigil/shared/config';
import { DatabaseModule } from '@vigil/shared/database';
import { loggerParams } from '@vigil/shared/logging';
import { MetricsRegistry } from '@vigil/shared/observability';
import { QueueModule } from '@vigil/shared/queue';
import { AdvisoryWorkersModule } from './advisories/advisories.module';
import { DeliveryModule } from './delivery/delivery.module';
import { HousekeepingModule } from './housekeeping/housekeeping.module';
import { InventoryFoldWorkersModule } from './inventory/inventory-fold.module';
import { SbomWorkersModule } from './sbom/sbom.module';
import { VerificationWorkersModule } from './verification/verification.module';

/** BullMQ processors only; no public HTTP beyond the health server in main.ts. */
@Module({})
export class WorkerModule {
  static forRoot(config: PlatformConfig, options: { queuePrefix?: string } = {}): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config.env.LOG_LEVEL)),
        DatabaseModule.forRoot({ url: config.env.DATABASE_URL, entities: [...iamEntities, ...auditEntities, ...clusterEntities, ...inventoryEntities, ...eventEntities, ...policyEntities, ...registryEntities, ...advisoryEntities, ...imageEntities], applicationName: 'vigil-worker' }),
        QueueModule.forRoot({ redisUrl: config.env.REDIS_URL, prefix: options.queuePrefix }),
        EventsCoreModule,
        RegistryCredentialsCoreModule,
        AdvisoriesCoreModule,
        ImagesCoreModule,
        HousekeepingModule,
        DeliveryModule,
        VerificationWorkersModule,
        SbomWorkersModule,
        AdvisoryWorkersModule,
        InventoryFoldWorkersModule,
      ],
      providers: [MetricsRegistry],
      exports: [MetricsRegistry],
    };
  }
}
