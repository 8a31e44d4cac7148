import { BadRequestException, Inject, Injectable, NotFoundException, UnauthorizedException } from '@nestjs/common';
import {
  CommandAckRequest,
  CommandAckResponse,
  CommandListResponse,
  generateCredentialSecret,
  generateKeyId,
  HeartbeatRequest,
  HeartbeatResponse,
  PROTOCOL_LIMITS,
  RegisterRequest,
  RegisterResponse,
} from '@vigil/agent-protocol';
import { AuditService } from '@vigil/audit';
import { EVENT_TYPES } from '@vigil/events';
import { EffectivePoliciesService } from '@vigil/policies';
import { Caller } from '@vigil/shared/auth';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { SecretBox, sha256 } from '@vigil/shared/crypto';
import { Database } from '@vigil/shared/database';
import type { AgentPrincipal } from '../agent-auth/agent-auth.guard';
import { credentialContext } from '../agent-auth/agent-credential.cache';
import { AgentCommandRepository, AgentCredentialRepository, ClusterRepository } from '../repositories';
import { ClusterLifecycleEvents } from './cluster-lifecycle-events';

export const HEARTBEAT_INTERVAL_SECONDS = 30;
/** Only answered if the cluster vanished mid-heartbeat; real tokens come from the policies context. */
export const INITIAL_POLICY_STATE = 'policies-v0';

function agentCaller(agent: { orgId: string; clusterId: string; keyId: string }, requestId = ''): Caller {
  return { principal: { type: 'agent', ...agent }, orgId: agent.orgId, grants: [], requestId };
}

/**
 * How long a listed command is the lister's alone: enough to run it and
 * acknowledge (an agent keeps a command it could not run yet and retries it
 * itself); after that it is listed again, to whichever replica asks.
 */
export const COMMAND_CLAIM_SECONDS = 120;

/** The platform side of the agent protocol: registration, heartbeats, commands. */
@Injectable()
export class AgentSessionService {
  private readonly credentialBox: SecretBox;
  private readonly commandBox: SecretBox;

  constructor(
    private readonly database: Database,
    private readonly clusters: ClusterRepository,
    private readonly credentials: AgentCredentialRepository,
    private readonly commands: AgentCommandRepository,
    private readonly audit: AuditService,
    private readonly lifecycle: ClusterLifecycleEvents,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    private readonly policyState: EffectivePoliciesService,
  ) {
    this.credentialBox = new SecretBox(config.env.VIGIL_SECRET_KEY, 'cluster-credentials');
    this.commandBox = new SecretBox(config.env.VIGIL_SECRET_KEY, 'agent-commands');
  }

  /** Exchanges a one-time registration token for the cluster's credential. */
  async register(request: RegisterRequest): Promise<RegisterResponse> {
    const hash = sha256(request.registrationToken);
    const target = await this.credentials.resolveRegistrationToken(hash);
    if (!target) throw new UnauthorizedException('registration token is not valid (unknown, used or expired)');
    const keyId = generateKeyId();
    const secret = generateCredentialSecret();
    await this.database.forOrg(target.orgId, async () => {
      if (!(await this.credentials.consumeRegistrationToken(target.orgId, hash))) {
        throw new UnauthorizedException('registration token is not valid (unknown, used or expired)');
      }
      await this.credentials.insertCredential({
        keyId,
        orgId: target.orgId,
        clusterId: target.clusterId,
        secretSealed: this.credentialBox.seal(secret, credentialContext(keyId)),
      });
      await this.audit.record(agentCaller({ ...target, keyId }), {
        action: 'cluster.register',
        objectType: 'cluster',
        objectId: target.clusterId,
        details: { keyId, agentVersion: request.agentVersion ?? null, kubernetesVersion: request.kubernetesVersion ?? null },
      });
      const cluster = await this.clusters.findLive(target.orgId, target.clusterId);
      if (cluster) {
        await this.lifecycle.emit(cluster, EVENT_TYPES.clusterRegistered, { agentVersion: request.agentVersion ?? null, kubernetesVersion: request.kubernetesVersion ?? null, keyId });
      }
    });
    return { clusterId: target.clusterId, keyId, secret };
  }

  async heartbeat(agent: AgentPrincipal, beat: HeartbeatRequest): Promise<HeartbeatResponse> {
    const recorded = await this.database.forOrg(agent.orgId, async () => {
      const result = await this.clusters.recordHeartbeat(agent.orgId, agent.clusterId, beat);
      if (result?.previousHealth === 'unhealthy') {
        const cluster = await this.clusters.findLive(agent.orgId, agent.clusterId);
        if (cluster) {
          await this.lifecycle.emit(cluster, EVENT_TYPES.clusterRecovered);
        }
      }
      return result;
    });
    if (!recorded) throw new NotFoundException('cluster not found');
    return {
      serverTime: new Date().toISOString(),
      policyStateToken: (await this.policyState.tokenFor(agent.orgId, agent.clusterId)) ?? INITIAL_POLICY_STATE,
      nextHeartbeatSeconds: HEARTBEAT_INTERVAL_SECONDS,
      commandsPending: (await this.commands.countPending(agent.orgId, agent.clusterId)) > 0,
    };
  }

  async pendingCommands(agent: AgentPrincipal): Promise<CommandListResponse> {
    const rows = await this.commands.claimPending(agent.orgId, agent.clusterId, PROTOCOL_LIMITS.maxCommandsPerList, COMMAND_CLAIM_SECONDS);
    const commands = rows.flatMap((row) => {
      const opened = this.commandBox.open(row.payloadSealed, row.id);
      return opened ? [{ ...JSON.parse(opened.toString('utf8')), expiresAt: row.expiresAt.toISOString() }] : [];
    });
    return { commands };
  }

  async ackCommand(agent: AgentPrincipal, id: string, ack: CommandAckRequest): Promise<CommandAckResponse> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw new NotFoundException(`command ${id} not found`);
    return this.database.forOrg(agent.orgId, async () => {
      const before = await this.commands.findById(agent.orgId, agent.clusterId, id);
      if (!before) throw new NotFoundException(`command ${id} not found`);
      const stored = await this.commands.ack(agent.orgId, agent.clusterId, id, ack.outcome, ack.message ?? null);
      if (!stored?.outcome) throw new BadRequestException('command could not be acknowledged');
      // A rotation that took effect: the agent now signs with the new key, so older keys may end soon.
      if (!before.ackedAt && before.type === 'rotate-credential' && ack.outcome === 'succeeded') {
        const keyId = await this.rotatedKeyId(before.id, agent);
        if (keyId === agent.keyId) await this.credentials.expireOtherCredentials(agent.orgId, agent.clusterId, keyId, new Date(Date.now() + 5 * 60_000));
      }
      await this.audit.record(agentCaller(agent), { action: 'agent-command.ack', objectType: 'agent-command', objectId: id, details: { type: before.type, outcome: stored.outcome } });
      return { id, outcome: stored.outcome as CommandAckResponse['outcome'] };
    });
  }

  /** The key id a rotate-credential command delivered. */
  private async rotatedKeyId(commandId: string, agent: AgentPrincipal): Promise<string | null> {
    const sealed = await this.commands.payload(agent.orgId, commandId);
    const opened = sealed ? this.commandBox.open(sealed, commandId) : null;
    return opened ? (JSON.parse(opened.toString('utf8')).params?.keyId ?? null) : null;
  }
}
