export * from './event.repository';
export * from './subscription.repository';
export * from './delivery.repository';
