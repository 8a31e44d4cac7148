import { generateKeyPairSync } from 'node:crypto';
import { parsePublicKeyPem } from './public-key.parser';

const spki = (key: ReturnType<typeof generateKeyPairSync>['publicKey']): string => key.export({ type: 'spki', format: 'pem' }).toString();

describe('parsePublicKeyPem', () => {
  it('accepts ECDSA P-256, RSA-2048 and Ed25519 with stable fingerprints', () => {
    const ec = spki(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey);
    const rsa = spki(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);
    const ed = spki(generateKeyPairSync('ed25519').publicKey);
    const results = [ec, rsa, ed].map((pem) => parsePublicKeyPem(pem, 'sha256'));
    expect(results.map((r) => r.ok && r.key.type)).toEqual(['ecdsa-p256', 'rsa', 'ed25519']);
    const first = results[0];
    const again = parsePublicKeyPem(`\n\n  ${ec.replace(/\n/g, '\r\n')}`, 'sha256');
    expect(first?.ok && again.ok && again.key.fingerprint === first.key.fingerprint).toBe(true);
    expect(first?.ok && first.key.label).toMatch(/^sha256:[0-9a-f]{12}$/);
  });

  it.each([
    ['P-384', () => spki(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey), /curve P-256/],
    ['RSA-1024', () => spki(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), /at least 2048 bits/],
    ['a private key', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /private key/],
    ['two keys', () => spki(generateKeyPairSync('ed25519').publicKey).repeat(2), /exactly one PEM block/],
    ['garbage inside the armour', () => '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', /cannot parse/],
    ['a certificate', () => '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', /not a public key/],
  ])('refuses %s', (_name, make, message) => {
    const result = parsePublicKeyPem(make(), 'sha256');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});
