export { ImagesCoreModule, ImagesModule } from './images.module';
export { imageEntities } from './entities';
export type { SbomSource } from './entities';
export { ImageSbomService, type SbomSummary, type EnsureSbomOptions } from './services/image-sbom.service';
export { ImageMatchingService } from './services/image-matching.service';
export { ImageSupplyChainFactsService } from './services/image-supply-chain-facts.service';
export { SbomJobsService, type SbomSweepReport } from './services/sbom-jobs.service';
export { IMAGE_CHANGE_LISTENER, type ImageChangeListener } from './services/image-change.listener';
export { parseVersionRange, satisfies, VersionRangeError, type Constraint } from './services/version-range';
