import { ApiTokenEntity } from './api-token.entity';
import { GroupEntity } from './group.entity';
import { IdentityEntity } from './identity.entity';
import { OrganizationEntity } from './organization.entity';
import { RoleBindingEntity } from './role-binding.entity';
import { UserEntity } from './user.entity';

export { ApiTokenEntity, GroupEntity, IdentityEntity, OrganizationEntity, RoleBindingEntity, UserEntity };
export type { IdentityKind } from './identity.entity';

export const iamEntities = [OrganizationEntity, GroupEntity, UserEntity, IdentityEntity, ApiTokenEntity, RoleBindingEntity];
