import { toImageFacts, type ImageVerification } from '@vigil/oci';
import type { AttestationFact, ImageFacts, SignatureFact } from '@vigil/policy-engine';

/** A key the verifier tries: the policy engine's CompiledPublicKey fits. */
export interface WantedKey {
  readonly pem: string;
  readonly fingerprint: string;
  readonly hashAlgorithm: string;
  readonly label: string;
}

/** What one key verified on one digest, and when. */
export interface KeyFacts {
  readonly signatures: readonly SignatureFact[];
  readonly attestations: readonly AttestationFact[];
  /** Why layers did not count (tampered, other digest …); kept in memory only, for reasons. */
  readonly diagnostics: readonly string[];
  readonly verifiedAt: number;
}

export const keyIdOf = (key: { fingerprint: string; hashAlgorithm: string }): string => `${key.fingerprint}/${key.hashAlgorithm}`;

/** Something verified: such an entry can only gain facts later, never lose them (digests are immutable). */
export const isPositive = (facts: KeyFacts): boolean => facts.signatures.length > 0 || facts.attestations.length > 0;

/** One verifier run over several keys → one entry per key (empty entries included: "nothing verified"). */
export function splitByKey(verification: ImageVerification, keys: readonly WantedKey[], verifiedAt: number): Map<string, KeyFacts> {
  const all = toImageFacts(verification);
  const diagnostics = verification.diagnostics.map((d) => d.message);
  const out = new Map<string, KeyFacts>();
  for (const key of keys) {
    out.set(keyIdOf(key), {
      signatures: all.signatures.filter((s) => s.keyFingerprint === key.fingerprint && (s.hashAlgorithm === undefined || s.hashAlgorithm === key.hashAlgorithm)),
      attestations: all.attestations.filter((a) => a.keyFingerprint === key.fingerprint),
      diagnostics,
      verifiedAt,
    });
  }
  return out;
}

/** The policy engine's view of an image from the per-key entries. */
export function mergeFacts(ref: string, digest: string, entries: readonly KeyFacts[]): ImageFacts {
  const signatures = new Map<string, SignatureFact>();
  // Two hash variants of one key share the same fact objects; identity is enough to de-duplicate.
  const attestations = new Set<AttestationFact>();
  for (const entry of entries) {
    for (const s of entry.signatures) signatures.set(`${s.keyFingerprint}/${s.hashAlgorithm ?? ''}`, s);
    for (const a of entry.attestations) attestations.add(a);
  }
  return { ref, digest, signatures: [...signatures.values()], attestations: [...attestations] };
}
