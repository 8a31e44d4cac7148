import type { AttestationFact, ImageFacts, SignatureFact } from '@vigil/policy-engine';
import type { ImageVerification } from './verification-report.types';

/**
 * The policy engine's view of a verification: one signature fact per
 * (key, hash) that verified, one attestation fact per verified statement and
 * key. `sbom`/`vulnerabilities` stay absent ("not computed yet"): deriving
 * them belongs to the supply-chain lib, which may merge them in.
 */
export function toImageFacts(verification: ImageVerification, ref?: string): ImageFacts {
  const signatures = new Map<string, SignatureFact>();
  for (const signature of verification.signatures) {
    const id = `${signature.keyFingerprint}/${signature.hashAlgorithm ?? ''}`;
    if (!signatures.has(id)) {
      signatures.set(id, {
        keyFingerprint: signature.keyFingerprint,
        ...(signature.hashAlgorithm ? { hashAlgorithm: signature.hashAlgorithm } : {}),
      });
    }
  }
  const attestations: AttestationFact[] = verification.attestations.map((attestation) => ({
    predicateType: attestation.predicateType,
    predicate: attestation.predicate,
    statement: attestation.statement,
    keyFingerprint: attestation.keyFingerprint,
  }));
  return {
    ref: ref ?? verification.reference.canonical,
    digest: verification.digest,
    signatures: [...signatures.values()],
    attestations,
  };
}
