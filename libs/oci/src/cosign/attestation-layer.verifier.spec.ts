import { generateKeyPairSync } from 'node:crypto';
import { dsseEnvelope, inTotoStatement } from '../../../../test/support/oci-registry/cosign-signer';
import { verifyAttestationLayer } from './attestation-layer.verifier';
import { loadVerificationKeys } from './verification-key';

const digest = `sha256:${'2'.repeat(64)}`;
const pair = generateKeyPairSync('ed25519');
const { keys } = loadVerificationKeys([{ pem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(), label: 'release' }]);
const verify = (envelope: Buffer) => verifyAttestationLayer({ layer: 0, layerDigest: 'sha256:layer', envelope, imageDigest: digest, keys });

describe('verifyAttestationLayer', () => {
  it('verifies a DSSE envelope over the PAE and exposes the statement', () => {
    const outcome = verify(dsseEnvelope(pair.privateKey, inTotoStatement('ghcr.io/acme/app', digest, 'https://spdx.dev/Document', { spdxVersion: 'SPDX-2.3' })));
    expect(outcome.diagnostics).toEqual([]);
    expect(outcome.verified[0]).toMatchObject({ predicateType: 'https://spdx.dev/Document', predicate: { spdxVersion: 'SPDX-2.3' }, keyLabel: 'release' });
  });

  it('refuses another payloadType even when the signature covers it', () => {
    const statement = inTotoStatement('x', digest, 't', {});
    const envelope = JSON.parse(dsseEnvelope(pair.privateKey, statement).toString());
    envelope.payloadType = 'text/plain';
    expect(verify(Buffer.from(JSON.stringify(envelope))).diagnostics[0]?.message).toMatch(/payloadType is "text\/plain"/);
  });

  it('refuses envelopes that are not JSON or not DSSE, and signed statements that are not in-toto', () => {
    expect(verify(Buffer.from('{')).diagnostics[0]?.message).toBe('attestation layer 0: the DSSE envelope is not JSON');
    expect(verify(Buffer.from('{"payload":"e30="}')).diagnostics[0]?.message).toMatch(/not a DSSE envelope/);
    const notInToto = dsseEnvelope(pair.privateKey, Buffer.from('{"_type":"something"}'));
    expect(verify(notInToto).diagnostics[0]?.message).toMatch(/not an in-toto statement/);
  });
});
