import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Advisory, AffectedPackage, AffectedRange, RangeEvent, RangeEventKind } from './advisory';
import { OSV_SCHEMA } from './osv-schema';
import { normalisePackageName } from './package-name';
import { deriveSeverity, maxSeverity, OsvSeverityEntry, UNKNOWN_SEVERITY } from './severity';

export type ParseOsvResult = { ok: true; advisory: Advisory } | { ok: false; id?: string; error: string };

/** Thrown by `parseOsvRecordOrThrow`; the message names the JSON pointer(s) of each fault. */
export class OsvRecordError extends Error {
  constructor(
    message: string,
    readonly id?: string,
  ) {
    super(message);
    this.name = 'OsvRecordError';
  }
}

// Shapes guaranteed by the schema once validation has passed.
interface RawEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}
interface RawAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  severity?: OsvSeverityEntry[] | null;
  ranges?: { type: 'ECOSYSTEM' | 'SEMVER' | 'GIT'; repo?: string; events: RawEvent[] }[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}
interface RawOsv {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[] | null;
  related?: string[];
  upstream?: string[];
  summary?: string;
  severity?: OsvSeverityEntry[] | null;
  affected?: RawAffected[] | null;
  database_specific?: Record<string, unknown>;
}

let validator: ValidateFunction | undefined;
function validate(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
    addFormats(ajv);
    validator = ajv.compile(OSV_SCHEMA);
  }
  return validator;
}

// oneOf/if/not wrappers restate their branches' failures; the leaf errors say what to fix.
const WRAPPER_KEYWORDS = new Set(['oneOf', 'anyOf', 'if', 'allOf', 'not']);

/** The innermost schema `title` on the way to the failing keyword: the schema's own wording of the rule. */
function ruleTitle(schemaPath: string): string | undefined {
  let node: unknown = OSV_SCHEMA;
  let title: string | undefined;
  for (const key of schemaPath.replace(/^#\//, '').split('/')) {
    if (!node || typeof node !== 'object') break;
    node = (node as Record<string, unknown>)[decodeURIComponent(key)];
    const t = node && typeof node === 'object' ? (node as { title?: unknown }).title : undefined;
    if (typeof t === 'string' && t !== OSV_SCHEMA.title) title = t;
  }
  return title;
}

function shown(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function explain(e: ErrorObject): string {
  const title = ruleTitle(e.schemaPath);
  switch (e.keyword) {
    case 'pattern':
    case 'format':
      return `invalid value ${shown(e.data)}${title ? ` (${title})` : e.keyword === 'format' ? ` (must be ${String(e.params.format)})` : ''}`;
    case 'contains':
      return title ?? e.message ?? e.keyword;
    case 'additionalProperties':
      return `unknown property "${String(e.params.additionalProperty)}"`;
    case 'enum':
      return `${shown(e.data)} is not one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
    case 'oneOf':
      return /\/events\/\d+$/.test(e.instancePath)
        ? 'an event must have exactly one of introduced, fixed, last_affected, limit'
        : (title ?? e.message ?? e.keyword);
    default:
      return title && WRAPPER_KEYWORDS.has(e.keyword) ? title : (e.message ?? e.keyword);
  }
}

function describeErrors(errors: ErrorObject[]): string {
  // Failures inside a `contains` test are probes, not faults; the `contains` error says what is missing.
  const relevant = errors.filter((e) => !e.schemaPath.includes('/contains/'));
  const leaves = relevant.filter((e) => !WRAPPER_KEYWORDS.has(e.keyword));
  const chosen = (leaves.length ? leaves : relevant).sort((a, b) => Number(b.keyword === 'format') - Number(a.keyword === 'format'));
  // One complaint per location: a timestamp failing both its pattern and its format is one fault.
  const byPath = new Map<string, ErrorObject>();
  for (const e of chosen) {
    const key = `${e.instancePath}|${e.keyword === 'required' ? String(e.params.missingProperty) : ''}`;
    if (!byPath.has(key)) byPath.set(key, e);
  }
  const lines = [...byPath.values()].map((e) => `${e.instancePath || '/'}: ${explain(e)}`);
  return lines.slice(0, 5).join('; ') + (lines.length > 5 ? `; and ${lines.length - 5} more` : '');
}

function toEvent(raw: RawEvent): RangeEvent {
  const kind = (['introduced', 'fixed', 'last_affected', 'limit'] as RangeEventKind[]).find((k) => raw[k] !== undefined);
  // The schema's oneOf guarantees exactly one of the four keys.
  return { kind: kind ?? 'introduced', version: raw[kind ?? 'introduced'] ?? '0' };
}

function toAffected(raw: RawAffected): AffectedPackage | undefined {
  if (!raw.package) return undefined; // schema allows it; nothing can match such an entry
  const { ecosystem, name, purl } = raw.package;
  const ranges: AffectedRange[] = (raw.ranges ?? []).map((r) => ({
    type: r.type,
    ...(r.repo !== undefined && { repo: r.repo }),
    events: r.events.map(toEvent),
  }));
  const severity = deriveSeverity(raw.severity, raw.ecosystem_specific, raw.database_specific);
  return {
    ecosystem,
    name: normalisePackageName(ecosystem, name),
    ...(purl !== undefined && { purl }),
    ranges,
    versions: raw.versions ?? [],
    ...(severity && { severity }),
  };
}

function rawId(json: unknown): string | undefined {
  if (json && typeof json === 'object' && typeof (json as { id?: unknown }).id === 'string') {
    return (json as { id: string }).id;
  }
  return undefined;
}

/**
 * Validates an OSV record against the OSV JSON schema and normalises it.
 * Never throws: bad input yields `{ok: false, error}` naming the JSON path.
 */
export function parseOsvRecord(json: unknown): ParseOsvResult {
  const id = rawId(json);
  const check = validate();
  if (!check(json)) {
    return { ok: false, ...(id !== undefined && { id }), error: describeErrors(check.errors ?? []) };
  }
  const raw = json as RawOsv;
  const affected = (raw.affected ?? []).map(toAffected).filter((a): a is AffectedPackage => a !== undefined);
  // Record-level severity, or the worst per-package one, so lists can sort records.
  const recordLevel = deriveSeverity(raw.severity, raw.database_specific);
  const severity =
    recordLevel ?? affected.reduce((acc, a) => (a.severity ? maxSeverity(acc, a.severity) : acc), UNKNOWN_SEVERITY);
  const advisory: Advisory = {
    id: raw.id,
    modified: raw.modified,
    ...(raw.published !== undefined && { published: raw.published }),
    ...(raw.withdrawn !== undefined && { withdrawn: raw.withdrawn }),
    aliases: uniq(raw.aliases ?? []).filter((a) => a !== raw.id),
    upstream: uniq(raw.upstream ?? []).filter((a) => a !== raw.id),
    related: uniq(raw.related ?? []).filter((a) => a !== raw.id),
    ...(raw.summary !== undefined && { summary: raw.summary }),
    severity,
    affected,
  };
  return { ok: true, advisory };
}

export function parseOsvRecordOrThrow(json: unknown): Advisory {
  const r = parseOsvRecord(json);
  if (!r.ok) throw new OsvRecordError(`OSV record${r.id ? ` ${r.id}` : ''} is invalid: ${r.error}`, r.id);
  return r.advisory;
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}
