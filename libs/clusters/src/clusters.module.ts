import { Global, Module } from '@nestjs/common';
import { AgentAuthGuard, AgentSignatureGuard } from './agent-auth/agent-auth.guard';
import { AgentRequestAuthenticator } from './agent-auth/agent-request.authenticator';
import { AgentCredentialCache } from './agent-auth/agent-credential.cache';
import { AgentNonceLedger } from './agent-auth/agent-nonce-ledger';
import { AgentController } from './controllers/agent.controller';
import { ClustersController } from './controllers/clusters.controller';
import { AgentCommandRepository, AgentCredentialRepository, ClusterRepository } from './repositories';
import { AgentCommandQueue } from './services/agent-command-queue.service';
import { AgentSessionService } from './services/agent-session.service';
import { ClusterLifecycleEvents } from './services/cluster-lifecycle-events';
import { ClusterService } from './services/cluster.service';

/** Clusters, their agents' credentials and commands. Exports the agent guard for other agent endpoints. */
@Global()
@Module({
  controllers: [ClustersController, AgentController],
  providers: [ClusterRepository, AgentCredentialRepository, AgentCommandRepository, AgentCommandQueue, ClusterService, AgentSessionService, AgentAuthGuard, AgentSignatureGuard, AgentRequestAuthenticator, AgentCredentialCache, AgentNonceLedger, ClusterLifecycleEvents],
  exports: [AgentAuthGuard, AgentSignatureGuard, AgentRequestAuthenticator, AgentCredentialCache, AgentNonceLedger, AgentCredentialRepository, ClusterRepository, AgentCommandQueue],
})
export class ClustersModule {}
