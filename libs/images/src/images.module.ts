import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ADVISORY_CHANGE_HANDLER, rawBody } from '@vigil/advisories';
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
import { RegistryImageReader } from './services/registry-image.reader';
import { VisibleClusters } from './services/visible-clusters.service';

/** Image SBOMs (stored by digest), their vulnerability matches, exposure and package search. */
@Global()
@Module({
  controllers: [ImagesController, PackagesController, ExposureController],
  providers: [
    ImageSbomRepository,
    ExposureRepository,
    ImageMatchingService,
    RegistryImageReader,
    ImageSbomService,
    ImageQueryService,
    ExposureService,
    VisibleClusters,
    { provide: ADVISORY_CHANGE_HANDLER, useExisting: ImageMatchingService },
  ],
  exports: [ImageSbomService, ImageMatchingService, ADVISORY_CHANGE_HANDLER],
})
export class ImagesModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(rawBody(DEFAULT_SBOM_LIMITS.maxBytes)).forRoutes({ path: 'v1/images/:digest/sbom', method: RequestMethod.PUT });
  }
}
