import { ValidationError, ValidationPipe } from '@nestjs/common';
import { InputProblem, InvalidInputException } from './http-exception.filter';

function flatten(errors: ValidationError[], prefix = ''): InputProblem[] {
  return errors.flatMap((e) => {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flatten(e.children ?? [], path)];
  });
}

/** DTO validation whose 400s name every offending field (`name: must be a string`). */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const problems = flatten(errors);
      return new InvalidInputException(problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
    },
  });
}
