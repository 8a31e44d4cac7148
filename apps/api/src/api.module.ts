import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AdvisoriesModule, advisoryEntities } from '@vigil/advisories';
import { AuditModule, auditEntities } from '@vigil/audit';
import { ClustersModule, clusterEntities } from '@vigil/clusters';
import { ContinuousVerificationModule } from '@vigil/continuous-verification';
import { EventsModule, eventEntities } from '@vigil/events';
import { IamModule, iamEntities } from '@vigil/iam';
import { ImagesModule, imageEntities } from '@vigil/images';
import { InventoryModule, inventoryEntities } from '@vigil/inventory';
import { PoliciesModule, policyEntities } from '@vigil/policies';
import { ConfigModule, PlatformConfig } from '@vigil/shared/config';
import { DatabaseModule } from '@vigil/shared/database';
import { HttpExceptionFilter } from '@vigil/shared/errors';
import { loggerParams } from '@vigil/shared/logging';
import { ObservabilityModule } from '@vigil/shared/observability';
import { QueueModule } from '@vigil/shared/queue';
import { RegistriesModule, registryEntities } from '@vigil/registries';
import { VerificationModule, verificationEntities } from '@vigil/verification';

export const platformEntities = [...iamEntities, ...auditEntities, ...clusterEntities, ...inventoryEntities, ...eventEntities, ...policyEntities, ...verificationEntities, ...advisoryEntities, ...imageEntities, ...registryEntities];

export interface ApiModuleOptions {
  /** BullMQ key prefix; tests isolate files by it. */
  queuePrefix?: string;
  /** Serve POST /v1/agent/admission before the framework (default true); the parity test turns it off for its reference. */
  admissionFastLane?: boolean;
}

/** Wiring only: every bounded context brings its own controllers. */
@Module({})
export class ApiModule {
  static forRoot(config: PlatformConfig, options: ApiModuleOptions = {}): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config.env.LOG_LEVEL)),
        DatabaseModule.forRoot({ url: config.env.DATABASE_URL, entities: platformEntities, applicationName: 'vigil-api' }),
        QueueModule.forRoot({ redisUrl: config.env.REDIS_URL, prefix: options.queuePrefix }),
        ObservabilityModule,
        AuditModule,
        IamModule,
        EventsModule,
        ClustersModule,
        InventoryModule,
        PoliciesModule,
        ContinuousVerificationModule,
        VerificationModule,
        AdvisoriesModule,
        ImagesModule,
        RegistriesModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
    };
  }
}
