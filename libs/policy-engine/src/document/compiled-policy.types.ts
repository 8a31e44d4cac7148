import type { CompiledCelProgram } from '../cel/cel-program.compiler';
import type { ImageGlob } from '../glob/image-glob.matcher';

/** Where in the source text a problem is (1-based). */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** One problem with a policy document, named by its field path. */
export interface PolicyDiagnostic {
  /** Field path, e.g. `spec.authorities[0].key`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
  readonly position?: SourcePosition;
}

export type PolicyMode = 'enforce' | 'warn';
export type HashAlgorithm = 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type PublicKeyType = 'ecdsa-p256' | 'rsa' | 'ed25519';
export type Severity = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export const POLICY_KINDS = {
  'vigil.dev/v1': 'ImagePolicy',
  'policy.sigstore.dev/v1beta1': 'ClusterImagePolicy',
  'policy.sigstore.dev/v1alpha1': 'ClusterImagePolicy',
} as const;
export type PolicyApiVersion = keyof typeof POLICY_KINDS;

export interface CompiledPublicKey {
  /** PEM as written (trimmed), for the verifier. */
  readonly pem: string;
  /** `sha256:<hex>` of the DER SubjectPublicKeyInfo; how facts name the key. */
  readonly fingerprint: string;
  readonly type: PublicKeyType;
  readonly hashAlgorithm: HashAlgorithm;
  /** Human label: `key.name` (Vigil documents) or a short fingerprint. */
  readonly label: string;
}

export interface CompiledAttestation {
  readonly name: string;
  /** Always a full URI (short names such as `spdxjson` are expanded). */
  readonly predicateType: string;
  readonly policy?: CompiledCelProgram;
}

interface AuthorityBase {
  /** `authorities[i].name`, or `authority-<i>` like policy-controller. */
  readonly name: string;
  readonly index: number;
}

export interface KeyAuthority extends AuthorityBase {
  readonly type: 'key';
  readonly key: CompiledPublicKey;
  /** Present when the document asks for transparency-log inclusion. */
  readonly ctlog?: { readonly url?: string };
  readonly attestations: readonly CompiledAttestation[];
}

export interface StaticAuthority extends AuthorityBase {
  readonly type: 'static';
  readonly action: 'pass' | 'fail';
  readonly message?: string;
}

export type CompiledAuthority = KeyAuthority | StaticAuthority;

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

/** `spec.match[]`: which admission objects a policy applies to. */
export interface ResourceMatcher {
  /** `*` matches any; `` is the core group. */
  readonly group: string;
  readonly version: string;
  /** Plural lower-case resource, e.g. `pods`, `deployments`, or `*`. */
  readonly resource: string;
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

export interface VulnerabilityRule {
  /** Vulnerabilities at or above this severity fail the policy. */
  readonly maxSeverity: Severity;
  /** Advisory ids (or aliases) that never fail, upper-cased for lookup. */
  readonly ignore: ReadonlySet<string>;
  readonly fixedOnly: boolean;
}

/**
 * A response action the platform takes when a running image violates the
 * policy (Vigil ImagePolicy `spec.actions[]`). `deletePods`: delete the pods
 * of the violating workload through the cluster agent's command channel.
 */
export interface PolicyAction {
  readonly type: 'deletePods';
}

/** A validated, normalised policy: compile once, evaluate many times. */
export interface CompiledPolicy {
  readonly apiVersion: PolicyApiVersion;
  readonly kind: 'ImagePolicy' | 'ClusterImagePolicy';
  readonly name: string;
  /** Set by the caller (`{...compiled, revision}`) so results name it. */
  readonly revision?: number;
  readonly mode: PolicyMode;
  readonly images: readonly ImageGlob[];
  readonly authorities: readonly CompiledAuthority[];
  readonly policy?: CompiledCelProgram;
  readonly match: readonly ResourceMatcher[];
  readonly vulnerabilities?: VulnerabilityRule;
  /** Response actions (empty unless the document names some). */
  readonly actions?: readonly PolicyAction[];
}
