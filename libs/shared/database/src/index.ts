export * from './data-source-options';
export * from './database.service';
export * from './database.module';
export * from './pagination';
export * from './query-rows';
export * from './database-notifications';
export * from './invalidated-cache';
export * from './coalescer';
