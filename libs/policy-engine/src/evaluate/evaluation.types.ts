import type { CompiledPolicy, HashAlgorithm, PolicyMode } from '../document/compiled-policy.types';

/** Transparency-log inclusion the verifier checked (e.g. from the cosign bundle's Rekor SET). */
export interface TlogFact {
  /** The log it was verified against, when the verifier knows it. */
  readonly url?: string;
}

/** One key that verified a signature over the image digest. */
export interface SignatureFact {
  /** `CompiledPublicKey.fingerprint` of the key that verified it. */
  readonly keyFingerprint: string;
  /** Hash the verifier used; when given it must match the authority's hashAlgorithm. */
  readonly hashAlgorithm?: HashAlgorithm;
  readonly tlog?: TlogFact;
}

/** A verified in-toto attestation and the key that verified its DSSE envelope. */
export interface AttestationFact {
  readonly predicateType: string;
  readonly predicate: unknown;
  readonly statement: unknown;
  readonly keyFingerprint: string;
  readonly tlog?: TlogFact;
}

export interface SbomPackageFact {
  readonly name: string;
  readonly version?: string;
  readonly purl?: string;
}

export interface VulnerabilityFact {
  readonly id: string;
  readonly aliases?: readonly string[];
  /** LOW | MEDIUM | HIGH | CRITICAL (any case); anything else counts as unknown. */
  readonly severity?: string;
  readonly fixedVersion?: string;
  readonly package?: { readonly name: string; readonly version?: string; readonly purl?: string };
}

/** What another lib has already verified about one image digest. */
export interface ImageFacts {
  /** The reference as the workload wrote it (tag and/or digest). */
  readonly ref: string;
  readonly digest: string;
  readonly signatures: readonly SignatureFact[];
  readonly attestations: readonly AttestationFact[];
  /** Absent while the SBOM has not been derived yet. */
  readonly sbom?: { readonly packages: readonly SbomPackageFact[] };
  /** Absent while the image has not been matched against advisories yet. */
  readonly vulnerabilities?: readonly VulnerabilityFact[];
}

/** The admission object's metadata (the agent forwards nothing else). */
export interface AdmissionObject {
  readonly kind: string;
  /** `apps/v1`, `v1` …; defaults from the kind for well-known workloads. */
  readonly apiVersion?: string;
  readonly namespace?: string;
  readonly name: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export type NoMatchBehaviour = 'allow' | 'warn' | 'deny';

export interface EvaluateInput {
  readonly policies: readonly CompiledPolicy[];
  readonly image: ImageFacts;
  /** Without an object, policies with `spec.match` do not apply. */
  readonly object?: AdmissionObject;
  readonly noMatch: NoMatchBehaviour;
}

export interface PolicyResult {
  readonly name: string;
  readonly revision?: number;
  readonly mode: PolicyMode;
  readonly valid: boolean;
  /** Empty when valid; the reasons joined with `; ` otherwise. */
  readonly diagnostic: string;
  readonly reasons: readonly string[];
}

export interface Decision {
  readonly allowed: boolean;
  readonly warnings: readonly string[];
  readonly reasons: readonly string[];
  /** One entry per policy that applies to the image (and object), sorted by name. */
  readonly policies: readonly PolicyResult[];
}
