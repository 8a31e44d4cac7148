import { BadRequestException, PipeTransform } from '@nestjs/common';
import type { ValidationResult } from '@vigil/agent-protocol';

/** The 400 message for an invalid agent message: every bad field, the first 20 named. */
export function agentBodyProblems(errors: readonly { path: string; message: string }[]): string {
  const shown = errors.slice(0, 20).map((e) => `${e.path || '(body)'}: ${e.message}`);
  const more = errors.length > 20 ? `; and ${errors.length - 20} more` : '';
  return shown.join('; ') + more;
}

/** Validates an agent message with the protocol's own schema; 400 names every bad field. */
export class AgentBodyPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly validate: (input: unknown) => ValidationResult<T>) {}

  transform(value: unknown): T {
    const result = this.validate(value);
    if (result.ok) return result.value;
    throw new BadRequestException(agentBodyProblems(result.errors));
  }
}
