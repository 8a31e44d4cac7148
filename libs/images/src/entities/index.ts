import { ImagePackageEntity, ImageSbomEntity, ImageVulnerabilityEntity } from './image-sbom.entity';

export { ImagePackageEntity, ImageSbomEntity, ImageVulnerabilityEntity };
export type { SbomSource } from './image-sbom.entity';
export const imageEntities = [ImageSbomEntity, ImagePackageEntity, ImageVulnerabilityEntity];
