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
 * An ack that fails is retried on the next poll without running the command
 * again (acks are idempotent on the platform).
 */
export class CommandRunner {
  private readonly unacked = new Map<string, CommandAckRequest & { type: string }>();

  constructor(
    private readonly platform: PlatformClient,
    private readonly handlers: CommandHandlers,
    private readonly metrics: AgentMetrics,
    private readonly log: Logger,
    private readonly o: CommandRunnerOptions,
  ) {}

  async tick(): Promise<number> {
    let commands: Command[];
    try {
      commands = (await this.platform.call('listCommands', undefined, { timeoutMs: this.o.timeoutMs })).commands;
    } catch (error) {
      this.o.onHealth(false, `command poll failed: ${(error as Error).message}`);
      return this.o.pollMs;
    }
    this.o.onHealth(true);
    for (const command of commands) {
      let ack = this.unacked.get(command.id);
      if (!ack) {
        const result = await this.run(command);
        if (!result) continue;
        ack = { type: command.type, agentId: this.o.agentId, completedAt: new Date().toISOString(), ...result, ...(result.message ? { message: result.message.slice(0, 4096) } : {}) };
        this.unacked.set(command.id, ack);
      }
      const { type, ...body } = ack;
      try {
        await this.platform.call('ackCommand', body, { timeoutMs: this.o.timeoutMs, id: command.id });
        this.unacked.delete(command.id);
        this.metrics.commands.inc({ type: isKnownCommand(command) ? type : 'unknown', outcome: body.outcome });
      } catch (error) {
        this.log.warn({ commandId: command.id, err: (error as Error).message }, 'command ack failed; retrying on the next poll');
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
