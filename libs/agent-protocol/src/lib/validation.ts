import { z } from 'zod';
import { AdmissionRequestSchema, AdmissionResponseSchema } from './admission.schema';
import {
  CommandAckRequestSchema,
  CommandAckResponseSchema,
  CommandListResponseSchema,
} from './commands.schema';
import { HeartbeatRequestSchema, HeartbeatResponseSchema } from './heartbeat.schema';
import { InventoryBatchSchema, InventoryResponseSchema } from './inventory.schema';
import { RegisterRequestSchema, RegisterResponseSchema } from './register.schema';

export interface ValidationError {
  /** e.g. `pods[3].containers[0].imageDigest`; `(root)` for the message itself. */
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationError[] };

/** Render a zod path the way a JS reader would write the accessor. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out || '(root)';
}

function toErrors(error: z.ZodError): ValidationError[] {
  const errors: ValidationError[] = [];
  for (const issue of error.issues) {
    // One error per unknown key, so each names its own path.
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ path: formatPath([...issue.path, key]), message: 'unknown field' });
      continue;
    }
    errors.push({ path: formatPath(issue.path), message: issue.message });
  }
  return errors;
}

/** Validate any protocol schema; never throws, whatever the input. */
export function validateWith<S extends z.ZodType>(schema: S, input: unknown): ValidationResult<z.output<S>> {
  const parsed = schema.safeParse(input);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: toErrors(parsed.error) };
}

type Validator<S extends z.ZodType> = (input: unknown) => ValidationResult<z.output<S>>;
const validator =
  <S extends z.ZodType>(schema: S): Validator<S> =>
  (input) =>
    validateWith(schema, input);

export const validateRegisterRequest = validator(RegisterRequestSchema);
export const validateRegisterResponse = validator(RegisterResponseSchema);
export const validateHeartbeatRequest = validator(HeartbeatRequestSchema);
export const validateHeartbeatResponse = validator(HeartbeatResponseSchema);
export const validateInventoryBatch = validator(InventoryBatchSchema);
export const validateInventoryResponse = validator(InventoryResponseSchema);
export const validateAdmissionRequest = validator(AdmissionRequestSchema);
export const validateAdmissionResponse = validator(AdmissionResponseSchema);
export const validateCommandListResponse = validator(CommandListResponseSchema);
export const validateCommandAckRequest = validator(CommandAckRequestSchema);
export const validateCommandAckResponse = validator(CommandAckResponseSchema);
