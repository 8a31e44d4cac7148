import { PolicyRevisionEntity } from './policy-revision.entity';
import { PolicyEntity } from './policy.entity';

export { PolicyEntity, PolicyRevisionEntity };
export const policyEntities = [PolicyEntity, PolicyRevisionEntity];
