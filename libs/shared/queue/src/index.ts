export * from './queue-contract';
export * from './redis';
export * from './queue.module';
