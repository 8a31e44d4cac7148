import type { Logger } from 'pino';
import { Command, CommandAckRequest, ClusterCredential, isKnownCommand } from '@vigil/agent-protocol';
import type { AgentMetrics } from '../health/agent-metrics';
import type { PlatformClient } from '../platform-client/platform-client';
import type { CommandResult } from './command-result';

export interface CommandHandlers {
  deletePods: (command: Extract<Command, { type: 'delete-pods' }>) => Promise<CommandResult | undefined>;
  rotateCredential: (credential: ClusterCredential) => Promise<void>;
}

export interface CommandRunnerOptions {
  agentId: string;
  pollMs: number;
  timeoutMs: number;
  onHealth: (ok: boolean, detail?: string) => void;
}

/**
 * Polls the platform's command queue, runs each command once and acks it.
 * The platform claims a listed command for this agent for a while (another
 * replica polling meanwhile does not get it), so the runner keeps what it was
 * given until the ack is through: a command that cannot run yet (inventory not
 * synced) is tried again at the next tick, and an ack that failed is sent again
 * without running the command twice (acks are idempotent on the platform).
 */
export class CommandRunner {
  /** Listed and not yet acknowledged: the command, and its result once it ran. */
  private readonly held = new Map<string, { command: Command; ack?: CommandAckRequest & { type: string } }>();

  constructor(
    private readonly platform: PlatformClient,
    private readonly handlers: CommandHandlers,
    private readonly metrics: AgentMetrics,
    private readonly log: Logger,
    private readonly o: CommandRunnerOptions,
  ) {}

  async tick(): Promise<number> {
    try {
      const { commands } = await this.platform.call('listCommands', undefined, { timeoutMs: this.o.timeoutMs });
      for (const command of commands) if (!this.held.has(command.id)) this.held.set(command.id, { command });
      this.o.onHealth(true);
    } catch (error) {
      this.o.onHealth(false, `command poll failed: ${(error as Error).message}`);
      if (this.held.size === 0) return this.o.pollMs;
    }
    for (const [id, entry] of [...this.held]) {
      if (!entry.ack) {
        const result = await this.run(entry.command);
        if (!result) continue;
        entry.ack = { type: entry.command.type, agentId: this.o.agentId, completedAt: new Date().toISOString(), ...result, ...(result.message ? { message: result.message.slice(0, 4096) } : {}) };
      }
      const { type, ...body } = entry.ack;
      try {
        await this.platform.call('ackCommand', body, { timeoutMs: this.o.timeoutMs, id });
        this.held.delete(id);
        this.metrics.commands.inc({ type: isKnownCommand(entry.command) ? type : 'unknown', outcome: body.outcome });
      } catch (error) {
        this.log.warn({ commandId: id, err: (error as Error).message }, 'command ack failed; retrying at the next tick');
      }
    }
    return this.o.pollMs;
  }

  private async run(command: Command): Promise<CommandResult | undefined> {
    if (command.expiresAt && Date.parse(command.expiresAt) < Date.now()) return { outcome: 'expired', message: 'expired before the agent saw it' };
    if (!isKnownCommand(command)) return { outcome: 'unsupported', message: `this agent does not know command "${command.type}"` };
    try {
      if (command.type === 'delete-pods') return await this.handlers.deletePods(command);
      await this.handlers.rotateCredential(command.params);
      // The ack below is signed with the new credential: proof the agent holds it.
      return { outcome: 'succeeded', message: `now using key ${command.params.keyId}` };
    } catch (error) {
      this.metrics.handlerErrors.inc({ component: 'commands' });
      this.log.error({ commandId: command.id, type: command.type, err: error }, 'command failed');
      return { outcome: 'failed', message: `${(error as Error).message}`.slice(0, 4000) || 'failed' };
    }
  }
}
