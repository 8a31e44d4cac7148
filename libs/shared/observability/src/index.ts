export * from './metrics';
export * from './health.controller';
export * from './observability.module';
