import { parseCycloneDxJson } from './cyclonedx-json.parser';
import { isRecord } from './json-shape.util';
import { SbomError } from './sbom.error';
import type { ParsedSbom, SbomFormat } from './sbom-package.model';
import { resolveSbomLimits, type SbomLimits } from './sbom-limits';
import { parseSpdxJson } from './spdx-json.parser';

/** Which SBOM format a parsed JSON value is, judged by content only (never by file name). */
export function detectSbomFormat(doc: unknown): SbomFormat | undefined {
  if (!isRecord(doc)) return undefined;
  if (doc['bomFormat'] === 'CycloneDX') return 'cyclonedx';
  if (typeof doc['spdxVersion'] === 'string') return 'spdx';
  return undefined;
}

/**
 * Parses SPDX 2.2/2.3 JSON or CycloneDX 1.2–1.7 JSON from raw bytes or text. Every failure is an
 * `SbomError` whose message names what is wrong (and where), fit for a 400 response.
 */
export function parseSbom(input: string | Uint8Array, options: Partial<SbomLimits> = {}): ParsedSbom {
  const limits = resolveSbomLimits(options);
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > limits.maxBytes) {
    throw new SbomError('too-large', `SBOM is ${size} bytes; the limit is ${limits.maxBytes}`);
  }
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  const body = text.replace(/^\uFEFF/, '').trimStart();
  if (body.startsWith('<')) {
    throw new SbomError('unsupported-format', 'XML SBOMs are not supported; send SPDX or CycloneDX JSON');
  }
  if (/^SPDXVersion:/.test(body)) {
    throw new SbomError('unsupported-format', 'SPDX tag-value is not supported; send SPDX JSON');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (err) {
    throw new SbomError('invalid-json', `not valid JSON: ${(err as Error).message}`);
  }
  return parseSbomDocument(doc, limits);
}

/** Same as `parseSbom` for a body the HTTP layer has already JSON-parsed (the byte limit is then its job). */
export function parseSbomDocument(doc: unknown, options: Partial<SbomLimits> = {}): ParsedSbom {
  const limits = resolveSbomLimits(options);
  if (!isRecord(doc)) {
    throw new SbomError('unsupported-format', 'expected a JSON object (an SPDX or CycloneDX document)');
  }
  const format = detectSbomFormat(doc);
  try {
    if (format === 'spdx') return parseSpdxJson(doc, limits);
    if (format === 'cyclonedx') return parseCycloneDxJson(doc, limits);
  } catch (err) {
    // The contract is "only SbomError": anything else is our bug, still reported as a bad document.
    if (err instanceof SbomError) throw err;
    throw new SbomError('invalid-document', `could not be read: ${(err as Error)?.message ?? String(err)}`);
  }
  if ('@context' in doc || '@graph' in doc) {
    throw new SbomError('unsupported-version', 'SPDX 3 JSON-LD is not supported; send SPDX 2.3 JSON');
  }
  if ('bomFormat' in doc) {
    throw new SbomError('unsupported-format', 'bomFormat must be "CycloneDX"', 'bomFormat');
  }
  throw new SbomError('unsupported-format', 'neither SPDX (spdxVersion) nor CycloneDX (bomFormat) JSON');
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SbomError('invalid-json', 'not valid UTF-8');
  }
}
