import type { CommandOutcome } from '@vigil/agent-protocol';

export interface CommandResult {
  outcome: CommandOutcome;
  message?: string;
  affectedCount?: number;
}
