import { generateKeyPairSync } from 'node:crypto';
import { signBytes, simpleSigningPayload } from '../../../../test/support/oci-registry/cosign-signer';
import { verifySignatureLayer } from './signature-layer.verifier';
import { loadVerificationKeys } from './verification-key';

const digest = `sha256:${'1'.repeat(64)}`;
const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const pem = (k: typeof pair) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const { keys } = loadVerificationKeys([
  { pem: pem(pair), label: 'release' },
  { pem: pem(other), label: 'staging' },
]);

const layer = (payload: Buffer, signature: string) =>
  verifySignatureLayer({ layer: 2, layerDigest: 'sha256:layer', payload, signature, imageDigest: digest, keys });

describe('verifySignatureLayer', () => {
  const payload = simpleSigningPayload('ghcr.io/acme/app', digest, { env: 'prod' });
  const signature = signBytes(pair.privateKey, payload).toString('base64');

  it('verifies with the key that signed, and only with it', () => {
    const outcome = layer(payload, signature);
    expect(outcome.diagnostics).toEqual([]);
    expect(outcome.verified).toEqual([
      expect.objectContaining({ keyLabel: 'release', dockerReference: 'ghcr.io/acme/app', annotations: { env: 'prod' }, layer: 2, hashAlgorithm: 'sha256' }),
    ]);
  });

  it('names every key a signature does not verify with', () => {
    const outcome = layer(Buffer.concat([payload, Buffer.from(' ')]), signature);
    expect(outcome.verified).toEqual([]);
    expect(outcome.diagnostics.map((d) => d.message)).toEqual([
      'signature layer 2: signature does not verify with key release',
      'signature layer 2: signature does not verify with key staging',
    ]);
  });

  it('refuses a signature annotation that is not base64, or is empty', () => {
    expect(layer(payload, 'not base64!').diagnostics[0]?.message).toBe('signature layer 2: the signature annotation is not base64');
    expect(layer(payload, '').verified).toEqual([]);
  });

  it('refuses a verified payload that is not a simple-signing document', () => {
    const junk = Buffer.from('{"hello":"world"}');
    expect(layer(junk, signBytes(pair.privateKey, junk).toString('base64')).diagnostics[0]?.message).toMatch(/not a cosign simple-signing document/);
  });
});
