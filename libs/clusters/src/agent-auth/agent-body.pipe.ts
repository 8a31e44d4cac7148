import { BadRequestException, PipeTransform } from '@nestjs/common';
import type { ValidationResult } from '@vigil/agent-protocol';

/** Validates an agent message with the protocol's own schema; 400 names every bad field. */
export class AgentBodyPipe<T> implements PipeTransform<unknown, T> {
  constructor(private readonly validate: (input: unknown) => ValidationResult<T>) {}

  transform(value: unknown): T {
    const result = this.validate(value);
    if (result.ok) return result.value;
    const shown = result.errors.slice(0, 20).map((e) => `${e.path || '(body)'}: ${e.message}`);
    const more = result.errors.length > 20 ? `; and ${result.errors.length - 20} more` : '';
    throw new BadRequestException(shown.join('; ') + more);
  }
}
