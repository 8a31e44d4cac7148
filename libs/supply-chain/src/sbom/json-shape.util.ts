import { SbomError } from './sbom.error';

// Tiny structural checks that name the JSON path of what is wrong; enough for the fields we read.

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

export function expectRecord(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw new SbomError('invalid-document', `expected object, got ${kindOf(value)}`, path);
  return value;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** Reads an optional string field; `null` counts as absent because several writers emit it. */
export function optionalString(obj: Record<string, unknown>, key: string, path: string, maxLength: number): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  const at = join(path, key);
  if (typeof value !== 'string') throw new SbomError('invalid-document', `expected string, got ${kindOf(value)}`, at);
  if (value.length > maxLength) throw new SbomError('invalid-document', `string longer than ${maxLength} characters`, at);
  return value;
}

export function requiredString(obj: Record<string, unknown>, key: string, path: string, maxLength: number): string {
  const value = optionalString(obj, key, path, maxLength);
  if (value === undefined) throw new SbomError('invalid-document', 'required string is missing', join(path, key));
  return value;
}

export function optionalArray(obj: Record<string, unknown>, key: string, path: string): unknown[] | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) {
    throw new SbomError('invalid-document', `expected array, got ${kindOf(value)}`, join(path, key));
  }
  return value;
}

export function optionalRecord(obj: Record<string, unknown>, key: string, path: string): Record<string, unknown> | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  return expectRecord(value, join(path, key));
}
