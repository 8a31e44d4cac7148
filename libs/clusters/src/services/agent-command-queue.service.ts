import { Inject, Injectable } from '@nestjs/common';
import { DeletePodsCommandSchema, PROTOCOL_LIMITS, type DeletePodsCommand } from '@vigil/agent-protocol';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { SecretBox } from '@vigil/shared/crypto';
import { AgentCommandRepository } from '../repositories';

/** How long a response action stays fetchable: a late deletion is worse than none. */
export const DELETE_PODS_TTL_MS = 60 * 60_000;

/**
 * The facade other contexts use to queue commands for a cluster's agent.
 * Joins the caller's transaction, so a command commits with whatever caused
 * it. Payloads are validated against the wire schema the agent uses.
 */
@Injectable()
export class AgentCommandQueue {
  private readonly box: SecretBox;

  constructor(
    private readonly commands: AgentCommandRepository,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
  ) {
    this.box = new SecretBox(config.env.VIGIL_SECRET_KEY, 'agent-commands');
  }

  async queueDeletePods(orgId: string, clusterId: string, id: string, params: DeletePodsCommand['params'], now = new Date()): Promise<void> {
    const command: DeletePodsCommand = DeletePodsCommandSchema.parse({
      id,
      type: 'delete-pods',
      issuedAt: now.toISOString(),
      params: { ...params, reason: params.reason.slice(0, PROTOCOL_LIMITS.maxMessageLength) },
    });
    await this.commands.insert({
      id,
      orgId,
      clusterId,
      type: command.type,
      payloadSealed: this.box.seal(JSON.stringify(command), id),
      expiresAt: new Date(now.getTime() + DELETE_PODS_TTL_MS),
    });
  }
}
