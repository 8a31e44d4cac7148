import { ValidateBy, ValidationOptions } from 'class-validator';

/** A policy document: YAML or JSON text, or (for JSON clients) the document object itself. */
export function IsPolicyDocument(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPolicyDocument',
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'string' && value.trim().length > 0) || (typeof value === 'object' && value !== null && !Array.isArray(value)),
        defaultMessage: () => 'must be the policy document: YAML or JSON text, or a JSON object',
      },
    },
    options,
  );
}
