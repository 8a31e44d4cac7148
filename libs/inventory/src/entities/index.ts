import { ImageEntity, ImageReferenceEntity } from './image.entity';
import { ObservationEntity } from './observation.entity';

export { ImageEntity, ImageReferenceEntity, ObservationEntity };
export const inventoryEntities = [ObservationEntity, ImageEntity, ImageReferenceEntity];
