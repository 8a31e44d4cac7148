export { ClustersModule } from './clusters.module';
export { clusterEntities } from './entities';
export type { ClusterEntity, NoMatchBehaviour, ClusterHealth } from './entities';
export { AgentAuthGuard, CurrentAgent } from './agent-auth/agent-auth.guard';
export type { AgentPrincipal } from './agent-auth/agent-auth.guard';
export { AgentBodyPipe } from './agent-auth/agent-body.pipe';
export { CLUSTER_USAGE } from './cluster-usage';
export type { ClusterUsage, ClusterUsageProvider } from './cluster-usage';
export { AgentCredentialRepository, ClusterRepository } from './repositories';
