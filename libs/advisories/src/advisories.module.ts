import { BullModule } from '@nestjs/bullmq';
import { Global, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { raw } from 'express';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { DEFAULT_SBOM_LIMITS } from '@vigil/supply-chain';
import { AdvisoriesController } from './controllers/advisories.controller';
import { AdvisoryOperationsController } from './controllers/advisory-operations.controller';
import { SbomsController } from './controllers/sboms.controller';
import { AdvisoryFeedRepository } from './repositories/advisory-feed.repository';
import { AdvisoryMatchRepository } from './repositories/advisory-match.repository';
import { AdvisoryRepository } from './repositories/advisory.repository';
import { AdvisoryFeedService } from './services/advisory-feed.service';
import { AdvisoryImportService } from './services/advisory-import.service';
import { AdvisoryIndexService } from './services/advisory-index.service';
import { AdvisoryMatchingService } from './services/advisory-matching.service';
import { AdvisoryQueryService } from './services/advisory-query.service';
import { SbomScanService } from './services/sbom-scan.service';

/** Largest import body (an ecosystem's OSV all.zip); records and entries are bounded separately. */
export const ADVISORY_IMPORT_BODY_LIMIT = 256 * 1024 * 1024;

/**
 * Bodies the global JSON parser leaves alone (zip, octet-stream, `+json` SBOM
 * types, or anything larger than its 2 MB) arrive here as raw bytes; an
 * `application/json` body it already parsed is kept as it is.
 */
export function rawBody(limit: number) {
  return raw({ type: () => true, limit });
}

const queues = BullModule.registerQueue({ name: QUEUE_NAMES.advisoryMatch }, { name: QUEUE_NAMES.advisoryFeed });

/** Advisories without endpoints, for every process (the worker matches SBOMs it derives and re-matches after imports). */
@Global()
@Module({
  imports: [queues],
  providers: [AdvisoryRepository, AdvisoryMatchRepository, AdvisoryFeedRepository, AdvisoryIndexService, AdvisoryQueryService, AdvisoryImportService, AdvisoryMatchingService, AdvisoryFeedService, SbomScanService],
  exports: [AdvisoryIndexService, AdvisoryQueryService, AdvisoryImportService, AdvisoryMatchingService, AdvisoryFeedService, SbomScanService, queues],
})
export class AdvisoriesCoreModule {}

/** Vulnerability advisories: OSV import, the in-process matcher, SBOM scans. */
@Module({
  imports: [AdvisoriesCoreModule],
  controllers: [AdvisoriesController, AdvisoryOperationsController, SbomsController],
})
export class AdvisoriesModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(rawBody(ADVISORY_IMPORT_BODY_LIMIT)).forRoutes({ path: 'v1/advisories/import', method: RequestMethod.POST });
    consumer.apply(rawBody(DEFAULT_SBOM_LIMITS.maxBytes)).forRoutes({ path: 'v1/sboms/scan', method: RequestMethod.POST });
  }
}
