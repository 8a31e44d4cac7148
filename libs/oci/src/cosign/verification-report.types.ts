import type { HashAlgorithm, ImageReference } from '@vigil/policy-engine';
import type { InTotoStatement } from './cosign-payload.schema';

/** A simple-signing signature over the image digest that a given key verified. */
export interface VerifiedSignature {
  /** `sha256:` of the key's DER SubjectPublicKeyInfo (= `CompiledPublicKey.fingerprint`). */
  readonly keyFingerprint: string;
  readonly keyLabel: string;
  /** Absent for Ed25519. */
  readonly hashAlgorithm?: HashAlgorithm;
  /** `critical.identity.docker-reference`: the repository the signer named. */
  readonly dockerReference: string;
  /** The payload's `optional` map (`cosign sign -a key=value`), covered by the signature. */
  readonly annotations: Readonly<Record<string, unknown>>;
  /** Index of the layer in the `.sig` manifest, and its digest. */
  readonly layer: number;
  readonly layerDigest: string;
}

/** An in-toto statement in a DSSE envelope that a given key verified, about this image digest. */
export interface VerifiedAttestation {
  readonly keyFingerprint: string;
  readonly keyLabel: string;
  readonly predicateType: string;
  readonly predicate: unknown;
  readonly statement: InTotoStatement;
  readonly layer: number;
  readonly layerDigest: string;
}

export interface VerificationDiagnostic {
  readonly kind: 'signature' | 'attestation' | 'key';
  /** Layer index in the `.sig`/`.att` manifest (0-based, as in `layers[n]`); absent for manifest-wide problems. */
  readonly layer?: number;
  /** Human-readable: "signature layer 2: signature does not verify with key release". */
  readonly message: string;
}

export interface ImageVerification {
  readonly reference: ImageReference;
  readonly digest: string;
  readonly signatures: readonly VerifiedSignature[];
  readonly attestations: readonly VerifiedAttestation[];
  readonly diagnostics: readonly VerificationDiagnostic[];
}

export function diagnostic(kind: VerificationDiagnostic['kind'], layer: number | undefined, text: string): VerificationDiagnostic {
  const prefix = layer === undefined ? kind : `${kind} layer ${layer}`;
  return { kind, ...(layer !== undefined ? { layer } : {}), message: `${prefix}: ${text}` };
}
