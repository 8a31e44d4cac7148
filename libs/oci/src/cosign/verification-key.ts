import { constants, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { parsePublicKeyPem, type HashAlgorithm, type PublicKeyType } from '@vigil/policy-engine';

/** What the verifier needs of a key; `CompiledPublicKey` from the policy engine fits as is. */
export interface VerificationKeyInput {
  readonly pem: string;
  /** Used in diagnostics ("does not verify with key release"); defaults to a short fingerprint. */
  readonly label?: string;
  /** Digest for ECDSA/RSA (cosign's default sha256); Ed25519 signs the message itself. */
  readonly hashAlgorithm?: HashAlgorithm;
}

export interface VerificationKey {
  readonly fingerprint: string;
  readonly label: string;
  readonly type: PublicKeyType;
  readonly hashAlgorithm: HashAlgorithm;
  readonly key: KeyObject;
}

export type LoadKeysResult = { readonly keys: VerificationKey[]; readonly errors: string[] };

/** Parses keys with the policy engine's rules, so fingerprints agree with `CompiledPublicKey.fingerprint`. */
export function loadVerificationKeys(inputs: readonly VerificationKeyInput[]): LoadKeysResult {
  const keys: VerificationKey[] = [];
  const errors: string[] = [];
  inputs.forEach((input, index) => {
    const parsed = parsePublicKeyPem(input.pem, input.hashAlgorithm ?? 'sha256', input.label);
    if (!parsed.ok) {
      errors.push(`key ${input.label ?? index}: ${parsed.message}`);
      return;
    }
    const { fingerprint, type, hashAlgorithm, label } = parsed.key;
    keys.push({ fingerprint, type, hashAlgorithm, label, key: createPublicKey(parsed.key.pem) });
  });
  return { keys, errors };
}

/**
 * cosign's key verifiers: ECDSA with an ASN.1 DER signature over the hash,
 * RSA PKCS#1 v1.5, Ed25519 over the message. Malformed signatures are a `false`, never a throw.
 */
export function verifySignature(key: VerificationKey, message: Buffer, signature: Buffer): boolean {
  try {
    if (key.type === 'ed25519') return verify(null, message, key.key, signature);
    if (key.type === 'rsa') return verify(key.hashAlgorithm, message, { key: key.key, padding: constants.RSA_PKCS1_PADDING }, signature);
    return verify(key.hashAlgorithm, message, { key: key.key, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}

/** The hash a signature fact reports: none for Ed25519, which does not pre-hash. */
export function reportedHash(key: VerificationKey): HashAlgorithm | undefined {
  return key.type === 'ed25519' ? undefined : key.hashAlgorithm;
}
