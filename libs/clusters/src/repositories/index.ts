export * from './cluster.repository';
export * from './agent-credential.repository';
export * from './agent-command.repository';
