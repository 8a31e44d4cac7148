import { AdvisoryEntity, AffectedPackageEntity } from './advisory.entity';

export { AdvisoryEntity, AffectedPackageEntity };
export const advisoryEntities = [AdvisoryEntity, AffectedPackageEntity];
