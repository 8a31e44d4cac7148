import { BullModule } from '@nestjs/bullmq';
import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ADVISORY_CHANGE_HANDLER, rawBody } from '@vigil/advisories';
import { AuditService } from '@vigil/audit';
import { IMAGE_SUPPLY_CHAIN_FACTS } from '@vigil/policy-engine';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { DEFAULT_SBOM_LIMITS } from '@vigil/supply-chain';
import { ExposureController } from './controllers/exposure.controller';
import { ImagesController } from './controllers/images.controller';
import { PackagesController } from './controllers/packages.controller';
import { ExposureRepository } from './repositories/exposure.repository';
import { ImageSbomRepository } from './repositories/image-sbom.repository';
import { ExposureService } from './services/exposure.service';
import { ImageMatchingService } from './services/image-matching.service';
import { ImageQueryService } from './services/image-query.service';
import { ImageSbomService } from './services/image-sbom.service';
import { ImageSupplyChainFactsService } from './services/image-supply-chain-facts.service';
import { RegistryImageReader } from './services/registry-image.reader';
import { SbomJobsService } from './services/sbom-jobs.service';
import { VisibleClusters } from './services/visible-clusters.service';

const queues = BullModule.registerQueue({ name: QUEUE_NAMES.sbom });

/**
 * SBOMs, matching and the facts policies read, for every process (the API and
 * the worker): global, so admission and continuous verification find
 * `IMAGE_SUPPLY_CHAIN_FACTS`, and the advisories import finds its change handler.
 */
@Global()
@Module({
  imports: [queues],
  providers: [
    ImageSbomRepository,
    ExposureRepository,
    ImageMatchingService,
    RegistryImageReader,
    ImageSbomService,
    SbomJobsService,
    ImageSupplyChainFactsService,
    AuditService,
    { provide: ADVISORY_CHANGE_HANDLER, useExisting: ImageMatchingService },
    { provide: IMAGE_SUPPLY_CHAIN_FACTS, useExisting: ImageSupplyChainFactsService },
  ],
  exports: [ImageSbomRepository, ExposureRepository, ImageSbomService, ImageMatchingService, SbomJobsService, ADVISORY_CHANGE_HANDLER, IMAGE_SUPPLY_CHAIN_FACTS, queues],
})
export class ImagesCoreModule {}

/** The API side: image views, SBOM upload/derive/export, package search and exposure. */
@Module({
  imports: [ImagesCoreModule],
  controllers: [ImagesController, PackagesController, ExposureController],
  providers: [ImageQueryService, ExposureService, VisibleClusters],
})
export class ImagesModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(rawBody(DEFAULT_SBOM_LIMITS.maxBytes)).forRoutes({ path: 'v1/images/:digest/sbom', method: RequestMethod.PUT });
  }
}
