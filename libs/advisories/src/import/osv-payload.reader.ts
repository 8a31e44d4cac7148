import { isZip, readZipEntries, ZipError, type ZipLimits } from './zip-archive.reader';

/** One record candidate from an import body: its JSON, or why it could not be read. */
export type OsvCandidate = { source: string; json: unknown } | { source: string; error: string };

/** The body as a whole is unusable (not JSON, not a zip, a broken archive): a 400. */
export class OsvPayloadError extends Error {
  override readonly name = 'OsvPayloadError';
}

export interface OsvPayloadLimits {
  /** Records per import (array elements or zip entries). */
  maxRecords: number;
  zip: Partial<ZipLimits>;
}

export const DEFAULT_OSV_PAYLOAD_LIMITS: Readonly<OsvPayloadLimits> = { maxRecords: 500_000, zip: {} };

/**
 * Yields the records of an import body: an OSV object, an array of them, or a
 * zip of `*.json` files each holding one record (or an array, as some exports
 * do). Zip entries are inflated lazily, one at a time, so memory stays at the
 * archive plus one entry. A bad entry (corrupt, lying about its size, not
 * JSON) is a candidate with an error, not a failure of the import; a broken
 * archive structure fails the whole body before anything is imported.
 */
export function* readOsvPayload(body: unknown, options: Partial<OsvPayloadLimits> = {}): Generator<OsvCandidate> {
  const limits = { ...DEFAULT_OSV_PAYLOAD_LIMITS, ...options };
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) throw new OsvPayloadError('request body is empty: send OSV JSON (an object or an array) or a zip of OSV JSON files');
    if (isZip(body)) {
      yield* fromZip(body, limits);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8').replace(/^\uFEFF/, ''));
    } catch (err) {
      throw new OsvPayloadError(`request body is neither a zip archive nor valid JSON: ${(err as Error).message}`);
    }
    yield* fromJson(parsed, 'body', limits);
    return;
  }
  if (body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0)) {
    throw new OsvPayloadError('request body is empty: send OSV JSON (an object or an array) or a zip of OSV JSON files');
  }
  yield* fromJson(body, 'body', limits);
}

function* fromJson(value: unknown, source: string, limits: OsvPayloadLimits): Generator<OsvCandidate> {
  if (Array.isArray(value)) {
    if (value.length > limits.maxRecords) throw new OsvPayloadError(`${value.length} records in one import; the limit is ${limits.maxRecords}`);
    for (let i = 0; i < value.length; i++) yield { source: `${source}[${i}]`, json: value[i] };
    return;
  }
  if (value && typeof value === 'object') {
    yield { source, json: value };
    return;
  }
  throw new OsvPayloadError(`${source}: expected an OSV record (a JSON object) or an array of them`);
}

function* fromZip(zip: Buffer, limits: OsvPayloadLimits): Generator<OsvCandidate> {
  let entries;
  try {
    entries = readZipEntries(zip, { maxEntries: limits.maxRecords, ...limits.zip });
  } catch (err) {
    if (err instanceof ZipError) throw new OsvPayloadError(`zip archive refused: ${err.message}`);
    throw err;
  }
  let records = 0;
  for (const entry of entries) {
    if (!entry.name.toLowerCase().endsWith('.json')) continue;
    let text: string;
    try {
      text = entry.read().toString('utf8');
    } catch (err) {
      if (!(err instanceof ZipError)) throw err;
      // A lying or corrupt entry is that record's rejection; the cap kept it from costing more than its declared size.
      yield { source: entry.name, error: err.message };
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch (err) {
      yield { source: entry.name, error: `not valid JSON: ${(err as Error).message}` };
      continue;
    }
    for (const candidate of fromJsonLenient(parsed, entry.name)) {
      records += 1;
      if (records > limits.maxRecords) throw new OsvPayloadError(`more than ${limits.maxRecords} records in one import`);
      yield candidate;
    }
  }
}

function* fromJsonLenient(value: unknown, source: string): Generator<OsvCandidate> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield { source: `${source}[${i}]`, json: value[i] };
  } else if (value && typeof value === 'object') {
    yield { source, json: value };
  } else {
    yield { source, error: 'expected an OSV record (a JSON object)' };
  }
}
