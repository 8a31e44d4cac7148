import { generateKeyPairSync, sign } from 'node:crypto';
import { parsePublicKeyPem } from '@vigil/policy-engine';
import { loadVerificationKeys, verifySignature } from './verification-key';

describe('verification keys', () => {
  it('fingerprints keys exactly as the policy engine does', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const compiled = parsePublicKeyPem(pem, 'sha256');
    if (!compiled.ok) throw new Error(compiled.message);
    expect(loadVerificationKeys([compiled.key]).keys[0]?.fingerprint).toBe(compiled.key.fingerprint);
  });

  it('reports unusable keys instead of throwing', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const result = loadVerificationKeys([{ pem: 'nonsense', label: 'bad' }, { pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }]);
    expect(result.keys).toEqual([]);
    expect(result.errors).toEqual([expect.stringMatching(/^key bad: must hold a PEM/), expect.stringMatching(/^key 1: ECDSA keys must use curve P-256/)]);
  });

  it('honours the hash algorithm of an ECDSA key and treats malformed signatures as not verifying', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const message = Buffer.from('payload');
    const [sha512Key] = loadVerificationKeys([{ pem, hashAlgorithm: 'sha512' }]).keys;
    const [sha256Key] = loadVerificationKeys([{ pem }]).keys;
    const signature = sign('sha512', message, pair.privateKey);
    expect(verifySignature(sha512Key!, message, signature)).toBe(true);
    expect(verifySignature(sha256Key!, message, signature)).toBe(false);
    expect(verifySignature(sha256Key!, message, Buffer.from('garbage'))).toBe(false);
  });
});
