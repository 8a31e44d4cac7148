import { ApiTokenEntity, GroupEntity, IdentityEntity, OrganizationEntity, RoleBindingEntity } from '../entities';

export const orgView = (o: OrganizationEntity) => ({
  id: o.id,
  name: o.name,
  rootGroupId: o.rootGroupId,
  inventoryRetentionDays: o.inventoryRetentionDays,
  createdAt: o.createdAt.toISOString(),
});

export const groupView = (g: GroupEntity) => ({
  id: g.id,
  parentId: g.parentId,
  name: g.name,
  path: g.ancestorIds,
  createdAt: g.createdAt.toISOString(),
});

export const identityView = (i: IdentityEntity) => ({
  id: i.id,
  groupId: i.groupId,
  kind: i.kind,
  name: i.name,
  userId: i.userId,
  createdAt: i.createdAt.toISOString(),
  disabledAt: i.disabledAt?.toISOString() ?? null,
});

export const tokenView = (t: ApiTokenEntity) => ({
  id: t.id,
  identityId: t.identityId,
  name: t.name,
  prefix: t.tokenPrefix,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt?.toISOString() ?? null,
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

export const roleBindingView = (b: RoleBindingEntity) => ({
  id: b.id,
  identityId: b.identityId,
  groupId: b.groupId,
  role: b.role,
  createdAt: b.createdAt.toISOString(),
});
