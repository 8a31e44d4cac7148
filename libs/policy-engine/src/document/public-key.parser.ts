import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { CompiledPublicKey, HashAlgorithm } from './compiled-policy.types';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;
const MIN_RSA_BITS = 2048;

export type PublicKeyParseResult =
  | { readonly ok: true; readonly key: CompiledPublicKey }
  | { readonly ok: false; readonly message: string };

/** `sha256:<hex>` of the DER SubjectPublicKeyInfo: stable across PEM formatting. */
export function publicKeyFingerprint(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

/**
 * Validates a cosign public key the way the verifier will use it: one PEM
 * block, a public (never private) key, ECDSA P-256, RSA ≥ 2048 bits or Ed25519.
 */
export function parsePublicKeyPem(data: string, hashAlgorithm: HashAlgorithm, name?: string): PublicKeyParseResult {
  const blocks = [...data.matchAll(PEM_BLOCK)];
  if (blocks.length === 0) return { ok: false, message: 'must hold a PEM public key (-----BEGIN PUBLIC KEY-----)' };
  if (blocks.length > 1) return { ok: false, message: `must hold exactly one PEM block, found ${blocks.length}` };
  const label = blocks[0]?.[1] ?? '';
  if (label.includes('PRIVATE')) {
    return { ok: false, message: 'holds a private key; a policy takes only the public key (cosign.pub)' };
  }
  if (label !== 'PUBLIC KEY' && label !== 'RSA PUBLIC KEY') {
    return { ok: false, message: `PEM block "${label}" is not a public key` };
  }
  const pem = blocks[0]?.[0] ?? '';
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    return { ok: false, message: `cannot parse the public key: ${error instanceof Error ? error.message : String(error)}` };
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  let keyType: CompiledPublicKey['type'];
  if (type === 'ec') {
    if (details.namedCurve !== 'prime256v1') {
      return { ok: false, message: `ECDSA keys must use curve P-256, this one uses ${details.namedCurve ?? 'an unknown curve'}` };
    }
    keyType = 'ecdsa-p256';
  } else if (type === 'rsa') {
    if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
      return { ok: false, message: `RSA keys must have at least ${MIN_RSA_BITS} bits, this one has ${details.modulusLength}` };
    }
    keyType = 'rsa';
  } else if (type === 'ed25519') {
    keyType = 'ed25519';
  } else {
    return { ok: false, message: `unsupported key type ${type ?? 'unknown'} (ECDSA P-256, RSA or Ed25519 only)` };
  }
  const fingerprint = publicKeyFingerprint(key);
  return {
    ok: true,
    key: {
      pem,
      fingerprint,
      type: keyType,
      hashAlgorithm,
      label: name ?? fingerprint.slice(0, 'sha256:'.length + 12),
    },
  };
}
