export { ImagesModule } from './images.module';
export { imageEntities } from './entities';
export type { SbomSource } from './entities';
export { ImageSbomService, type SbomSummary, type EnsureSbomOptions } from './services/image-sbom.service';
export { ImageMatchingService } from './services/image-matching.service';
export { parseVersionRange, satisfies, VersionRangeError, type Constraint } from './services/version-range';
