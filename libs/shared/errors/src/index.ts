export * from './http-exception.filter';
export * from './validation';
