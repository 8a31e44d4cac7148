import { compileCelProgram, type CompiledCelProgram } from '../cel/cel-program.compiler';
import { ATTESTATION_VARIABLES, POLICY_VARIABLES } from '../cel/cel-variables';
import { compileImageGlob, InvalidGlobError, type ImageGlob } from '../glob/image-glob.matcher';
import {
  POLICY_KINDS,
  type CompiledAttestation,
  type CompiledAuthority,
  type CompiledPolicy,
  type HashAlgorithm,
  type PolicyAction,
  type LabelSelectorRequirement,
  type PolicyApiVersion,
  type ResourceMatcher,
  type Severity,
  type VulnerabilityRule,
} from './compiled-policy.types';
import type { PathSegment } from './field-path';
import { normalisePredicateType } from './predicate-type.normaliser';
import { parsePublicKeyPem } from './public-key.parser';
import { validatePolicySchema } from './policy-document.schema';
import { findUnsupportedFeatures } from './unsupported-features';

export interface CompileProblem {
  readonly path: PathSegment[];
  readonly message: string;
}

export type CompileOutcome =
  | { readonly ok: true; readonly policy: CompiledPolicy }
  | { readonly ok: false; readonly problems: readonly CompileProblem[] };

type Obj = Record<string, unknown>;

/**
 * Checks a parsed document (schema, refusals, keys, globs, CEL) and builds the
 * normalised policy. Every problem is collected; nothing stops at the first.
 */
export function compilePolicyValue(document: unknown): CompileOutcome {
  const problems: CompileProblem[] = [...findUnsupportedFeatures(document), ...validatePolicySchema(document)];
  const add = (path: PathSegment[], message: string): void => {
    problems.push({ path, message });
  };
  const root = obj(document);
  if (!root) return { ok: false, problems: problems.length > 0 ? problems : [{ path: [], message: 'must be an object' }] };

  const apiVersion = root['apiVersion'] as PolicyApiVersion;
  const expectedKind = POLICY_KINDS[apiVersion];
  if (expectedKind && typeof root['kind'] === 'string' && root['kind'] !== expectedKind) {
    add(['kind'], `must be ${expectedKind} for apiVersion ${apiVersion}`);
  }
  const spec = obj(root['spec']) ?? {};

  const images: ImageGlob[] = [];
  arr(spec['images']).forEach((image, i) => {
    const glob = obj(image)?.['glob'];
    if (typeof glob !== 'string' || glob.length === 0) {
      if (obj(image) && obj(image)?.['regex'] === undefined) add(['spec', 'images', i, 'glob'], 'is required');
      return;
    }
    try {
      images.push(compileImageGlob(glob));
    } catch (error) {
      add(['spec', 'images', i, 'glob'], error instanceof InvalidGlobError ? error.message : String(error));
    }
  });

  const authorities = compileAuthorities(spec, add);
  const policy = compileSpecPolicy(spec, add);
  const vulnerabilities = compileVulnerabilityRule(spec);
  const actions = compileActions(root, spec, add);
  const rawAuthorities = spec['authorities'];
  if (!Array.isArray(rawAuthorities) || rawAuthorities.length === 0) {
    // Vigil documents may rely on spec.policy / spec.vulnerabilities alone; CIPs always name an authority.
    const vigilWithRules = root['kind'] === 'ImagePolicy' && (spec['policy'] !== undefined || spec['vulnerabilities'] !== undefined);
    if (!vigilWithRules && (rawAuthorities === undefined || Array.isArray(rawAuthorities))) {
      add(['spec', 'authorities'], 'at least one authority is required');
    }
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    policy: {
      apiVersion,
      kind: root['kind'] as CompiledPolicy['kind'],
      name: String(obj(root['metadata'])?.['name']),
      mode: spec['mode'] === 'warn' ? 'warn' : 'enforce',
      images,
      authorities,
      ...(policy ? { policy } : {}),
      match: arr(spec['match']).map((m) => compileMatcher(obj(m) ?? {})),
      ...(vulnerabilities ? { vulnerabilities } : {}),
      ...(actions.length > 0 ? { actions } : {}),
    },
  };
}

/** Response actions are a Vigil extension: a ClusterImagePolicy stays exactly as policy-controller reads it. */
function compileActions(root: Obj, spec: Obj, add: Add): PolicyAction[] {
  const raw = spec['actions'];
  if (raw === undefined) return [];
  if (root['kind'] !== 'ImagePolicy') {
    add(['spec', 'actions'], 'response actions are only available in Vigil ImagePolicy documents (apiVersion vigil.dev/v1)');
    return [];
  }
  const out: PolicyAction[] = [];
  arr(raw).forEach((item, i) => {
    const type = obj(item)?.['type'];
    if (type !== 'deletePods') return; // schema reports it
    if (out.some((a) => a.type === type)) add(['spec', 'actions', i, 'type'], `duplicate action "${type}"`);
    else out.push({ type });
  });
  return out;
}

type Add = (path: PathSegment[], message: string) => void;

function compileAuthorities(spec: Obj, add: Add): CompiledAuthority[] {
  const out: CompiledAuthority[] = [];
  const names = new Map<string, number>();
  arr(spec['authorities']).forEach((raw, index) => {
    const authority = obj(raw);
    if (!authority) return;
    const at = (...rest: PathSegment[]): PathSegment[] => ['spec', 'authorities', index, ...rest];
    const name = typeof authority['name'] === 'string' ? authority['name'] : `authority-${index}`;
    const earlier = names.get(name);
    if (earlier !== undefined) add(at('name'), `duplicate authority name "${name}" (also spec.authorities[${earlier}])`);
    names.set(name, index);

    const kinds = (['key', 'keyless', 'static'] as const).filter((k) => authority[k] !== undefined);
    if (kinds.includes('keyless')) return; // refused in unsupported-features
    if (kinds.length === 0) {
      add(at(), 'needs one of key or static');
      return;
    }
    if (kinds.length > 1) {
      add(at(), `must have only one of key or static, found ${kinds.join(' and ')}`);
      return;
    }
    if (kinds[0] === 'static') {
      const st = obj(authority['static']);
      if (arr(authority['attestations']).length > 0) add(at('attestations'), 'static authorities cannot have attestations');
      if (authority['ctlog'] !== undefined) add(at('ctlog'), 'static authorities cannot have a ctlog');
      if (st?.['action'] !== 'pass' && st?.['action'] !== 'fail') return; // schema reports it
      const message = typeof st['message'] === 'string' ? st['message'] : undefined;
      out.push({ type: 'static', name, index, action: st['action'], ...(message !== undefined ? { message } : {}) });
      return;
    }

    // Attestations are checked even when the key is refused, so every error shows at once.
    const attestations = compileAttestations(arr(authority['attestations']), at('attestations'), add);
    const key = obj(authority['key']);
    if (!key || key['kms'] !== undefined || key['secretRef'] !== undefined) return; // refused or schema error
    if (typeof key['data'] !== 'string') {
      if (key['data'] === undefined) add(at('key', 'data'), 'is required (the PEM public key)');
      return;
    }
    const hashAlgorithm = (typeof key['hashAlgorithm'] === 'string' ? key['hashAlgorithm'] : 'sha256') as HashAlgorithm;
    const parsed = parsePublicKeyPem(key['data'], hashAlgorithm, typeof key['name'] === 'string' ? key['name'] : undefined);
    if (!parsed.ok) {
      add(at('key', 'data'), parsed.message);
      return;
    }
    const ctlog = obj(authority['ctlog']);
    out.push({
      type: 'key',
      name,
      index,
      key: parsed.key,
      ...(ctlog ? { ctlog: typeof ctlog['url'] === 'string' ? { url: ctlog['url'] } : {} } : {}),
      attestations,
    });
  });
  return out;
}

function compileAttestations(raw: unknown[], base: PathSegment[], add: Add): CompiledAttestation[] {
  const out: CompiledAttestation[] = [];
  const names = new Set<string>();
  raw.forEach((item, j) => {
    const attestation = obj(item);
    if (!attestation) return;
    const name = attestation['name'];
    const predicateType = attestation['predicateType'];
    if (typeof name !== 'string' || typeof predicateType !== 'string') return; // schema reports it
    if (names.has(name)) add([...base, j, 'name'], `duplicate attestation name "${name}"`);
    names.add(name);
    const normalised = normalisePredicateType(predicateType);
    if (!normalised.ok) add([...base, j, 'predicateType'], normalised.message);
    const policy = compilePolicySource(attestation['policy'], [...base, j, 'policy'], ATTESTATION_VARIABLES, add);
    if (normalised.ok) out.push({ name, predicateType: normalised.uri, ...(policy ? { policy } : {}) });
  });
  return out;
}

function compileSpecPolicy(spec: Obj, add: Add): CompiledCelProgram | undefined {
  return compilePolicySource(spec['policy'], ['spec', 'policy'], POLICY_VARIABLES, add);
}

function compilePolicySource(
  raw: unknown,
  path: PathSegment[],
  variables: readonly string[],
  add: Add,
): CompiledCelProgram | undefined {
  const source = obj(raw);
  if (!source) return undefined;
  const type = source['type'];
  if (typeof type !== 'string' || type === 'cue' || type === 'rego') return undefined; // schema / refusal
  if (type !== 'cel') {
    add([...path, 'type'], `unsupported policy type "${type}"; only cel is supported`);
    return undefined;
  }
  const data = source['data'];
  if (typeof data !== 'string') {
    if (data === undefined && source['remote'] === undefined && source['configMapRef'] === undefined && source['url'] === undefined) {
      add([...path, 'data'], 'is required (the CEL expression)');
    }
    return undefined;
  }
  const compiled = compileCelProgram(data, variables);
  if (!compiled.ok) {
    for (const error of compiled.errors) {
      add([...path, 'data'], `CEL error at line ${error.line}, column ${error.column} of the expression: ${error.message}`);
    }
    return undefined;
  }
  return compiled.program;
}

function compileMatcher(match: Obj): ResourceMatcher {
  const selector = obj(match['selector']) ?? {};
  const labels = obj(selector['matchLabels']) ?? {};
  const expressions: LabelSelectorRequirement[] = arr(selector['matchExpressions']).map((raw) => {
    const e = obj(raw) ?? {};
    return {
      key: String(e['key']),
      operator: e['operator'] as LabelSelectorRequirement['operator'],
      values: arr(e['values']).map(String),
    };
  });
  // An omitted group/version/resource matches any; an explicit "" group is the core group.
  const field = (name: string): string => (typeof match[name] === 'string' ? (match[name] as string) : '*');
  return {
    group: field('group'),
    version: field('version'),
    resource: field('resource').toLowerCase(),
    matchLabels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
    matchExpressions: expressions,
  };
}

function compileVulnerabilityRule(spec: Obj): VulnerabilityRule | undefined {
  const rule = obj(spec['vulnerabilities']);
  if (!rule || typeof rule['maxSeverity'] !== 'string') return undefined;
  return {
    maxSeverity: rule['maxSeverity'].toUpperCase() as Severity,
    ignore: new Set(arr(rule['ignore']).map((id) => String(id).toUpperCase())),
    fixedOnly: rule['fixedOnly'] === true,
  };
}

function obj(value: unknown): Obj | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
