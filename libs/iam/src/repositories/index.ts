export * from './organization.repository';
export * from './group.repository';
export * from './identity.repository';
export * from './api-token.repository';
export * from './role-binding.repository';
export * from './user.repository';
