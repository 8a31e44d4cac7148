import type { ImageVerification } from '@vigil/oci';
import { parseImageReference } from '@vigil/policy-engine';
import { isPositive, keyIdOf, mergeFacts, splitByKey } from './key-facts';
import { VerifiedFactsCache } from './verified-facts.cache';

const DIGEST = `sha256:${'d'.repeat(64)}`;
const key = (fingerprint: string, hashAlgorithm = 'sha256') => ({ pem: '', fingerprint, hashAlgorithm, label: fingerprint });

function verification(over: Partial<ImageVerification> = {}): ImageVerification {
  return { reference: parseImageReference('ghcr.io/acme/app:1'), digest: DIGEST, signatures: [], attestations: [], diagnostics: [], ...over };
}

describe('per-key facts', () => {
  it('splits one verification by key and hash, keeping empty entries as "nothing verified"', () => {
    const v = verification({
      signatures: [{ keyFingerprint: 'sha256:a', keyLabel: 'a', hashAlgorithm: 'sha256', dockerReference: 'x', annotations: {}, layer: 0, layerDigest: 'l' }],
      attestations: [{ keyFingerprint: 'sha256:a', keyLabel: 'a', predicateType: 'p', predicate: {}, statement: {} as never, layer: 0, layerDigest: 'l' }],
      diagnostics: [{ kind: 'signature', layer: 1, message: 'signature layer 1: bad' }],
    });
    const split = splitByKey(v, [key('sha256:a'), key('sha256:a', 'sha512'), key('sha256:b')], 1);
    expect(split.get(keyIdOf(key('sha256:a')))).toMatchObject({ signatures: [{ keyFingerprint: 'sha256:a' }], attestations: [{ predicateType: 'p' }], diagnostics: ['signature layer 1: bad'] });
    expect(split.get(keyIdOf(key('sha256:a', 'sha512')))!.signatures).toEqual([]); // verified with sha256, not sha512
    expect(isPositive(split.get(keyIdOf(key('sha256:b')))!)).toBe(false);
    const merged = mergeFacts('ghcr.io/acme/app:1', DIGEST, [...split.values()]);
    expect(merged.signatures).toHaveLength(1);
    expect(merged.attestations).toHaveLength(1); // shared by both hash variants of key a, reported once
  });
});

describe('VerifiedFactsCache', () => {
  const facts = (n: number) => ({ signatures: [], attestations: [{ keyFingerprint: 'k', predicateType: 'p', predicate: 'x'.repeat(n), statement: {} }], diagnostics: [], verifiedAt: 0 });

  it('evicts least recently used entries past its entry and byte bounds', () => {
    const cache = new VerifiedFactsCache({ maxEntries: 2, maxBytes: 9_500 });
    cache.set('a', facts(10));
    cache.set('b', facts(10));
    cache.get('a');
    cache.set('c', facts(10));
    expect([cache.get('a'), cache.get('b'), cache.get('c')].map(Boolean)).toEqual([true, false, true]);
    cache.set('big', facts(9_000));
    expect(cache.size).toBe(1);
    cache.set('huge', facts(20_000)); // larger than the whole cache: not kept
    expect(cache.get('huge')).toBeUndefined();
  });
});
