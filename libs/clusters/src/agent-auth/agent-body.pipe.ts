import { PipeTransform } from '@nestjs/common';
import type { ValidationResult } from '@vigil/agent-protocol';
import { InvalidInputException } from '@vigil/shared/errors';

/** The 400 for an invalid agent message: every bad field, the first 20 named in the message and listed in `errors`. */
export function invalidAgentBody(errors: readonly { path: string; message: string }[]): InvalidInputException {
  const shown = errors.slice(0, 20).map((e) => ({ path: e.path || '(body)', message: e.message }));
  const more = errors.length > 20 ? `; and ${errors.length - 20} more` : '';
  return new InvalidInputException(shown.map((e) => `${e.path}: ${e.message}`).join('; ') + more, shown);
}

/** Validates an agent message with the protocol's own schema; 400 names every bad field. */
export class AgentBodyPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly validate: (input: unknown) => ValidationResult<T>) {}

  transform(value: unknown): T {
    const result = this.validate(value);
    if (result.ok) return result.value;
    throw invalidAgentBody(result.errors);
  }
}
