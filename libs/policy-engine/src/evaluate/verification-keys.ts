import type { CompiledPolicy, CompiledPublicKey } from '../document/compiled-policy.types';

/**
 * The distinct keys (by fingerprint and hash) the verifier must try for these
 * policies, so it can produce the `SignatureFact`s / `AttestationFact`s the
 * evaluator looks for.
 */
export function verificationKeys(policies: readonly CompiledPolicy[]): CompiledPublicKey[] {
  const keys = new Map<string, CompiledPublicKey>();
  for (const policy of policies) {
    for (const authority of policy.authorities) {
      if (authority.type !== 'key') continue;
      const id = `${authority.key.fingerprint}/${authority.key.hashAlgorithm}`;
      if (!keys.has(id)) keys.set(id, authority.key);
    }
  }
  return [...keys.values()].sort((a, b) => a.fingerprint.localeCompare(b.fingerprint) || a.hashAlgorithm.localeCompare(b.hashAlgorithm));
}
