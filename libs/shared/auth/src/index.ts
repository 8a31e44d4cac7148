export * from './roles';
export * from './caller';
export * from './decorators';
export * from './authorizer';
