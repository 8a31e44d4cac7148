import type { CompiledPolicy, PolicyDiagnostic } from './compiled-policy.types';
import { formatPath } from './field-path';
import { compilePolicyValue } from './policy-document.compiler';
import { parseYamlSource, type YamlSource } from './yaml-source.parser';

export type ParsePolicyResult =
  | { readonly ok: true; readonly policy: CompiledPolicy }
  | { readonly ok: false; readonly errors: readonly PolicyDiagnostic[] };

export interface ParsePolicyOptions {
  /** Larger documents are refused before parsing (default 256 KiB). */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 256 * 1024;

/**
 * Policy document text (YAML or JSON) → a compiled policy, or every problem
 * with its field path and line/column.
 */
export function parsePolicyDocument(text: string, options: ParsePolicyOptions = {}): ParsePolicyResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (typeof text !== 'string' || text.trim().length === 0) {
    return { ok: false, errors: [{ path: '', message: 'the document is empty' }] };
  }
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    return { ok: false, errors: [{ path: '', message: `the document is larger than ${maxBytes} bytes` }] };
  }
  const parsed = parseYamlSource(text);
  if (!parsed.ok) return parsed;
  return compileWithSource(parsed.source);
}

/** For documents already parsed (e.g. a JSON request body): same checks, no positions. */
export function compilePolicyObject(document: unknown): ParsePolicyResult {
  return compileWithSource({ value: document, locate: () => undefined });
}

function compileWithSource(source: YamlSource): ParsePolicyResult {
  const outcome = compilePolicyValue(source.value);
  if (outcome.ok) return outcome;
  const errors = outcome.problems.map((problem): PolicyDiagnostic => {
    const position = source.locate(problem.path);
    return { path: formatPath(problem.path), message: problem.message, ...(position ? { position } : {}) };
  });
  // Reading order: by position in the text, then by path.
  errors.sort(
    (a, b) =>
      (a.position?.line ?? 0) - (b.position?.line ?? 0) ||
      (a.position?.column ?? 0) - (b.position?.column ?? 0) ||
      a.path.localeCompare(b.path),
  );
  return { ok: false, errors };
}

/** `spec.authorities[0].keyless (line 12, column 5): keyless authorities are not supported yet` */
export function formatPolicyDiagnostic(diagnostic: PolicyDiagnostic): string {
  const where = diagnostic.position ? ` (line ${diagnostic.position.line}, column ${diagnostic.position.column})` : '';
  return `${diagnostic.path || '(document)'}${where}: ${diagnostic.message}`;
}
