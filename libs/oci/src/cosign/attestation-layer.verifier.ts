import { MEDIA_TYPES } from '../registry/media-types';
import { parseDigest } from '../registry/digest';
import { inTotoStatementSchema } from './cosign-payload.schema';
import { decodeBase64, dsseEnvelopeSchema, preAuthEncoding } from './dsse';
import type { LayerOutcome } from './signature-layer.verifier';
import { diagnostic, type VerifiedAttestation } from './verification-report.types';
import { verifySignature, type VerificationKey } from './verification-key';

export interface AttestationLayerInput {
  readonly layer: number;
  readonly layerDigest: string;
  /** The DSSE envelope blob, already checked against `layerDigest`. */
  readonly envelope: Buffer;
  readonly imageDigest: string;
  readonly keys: readonly VerificationKey[];
}

/**
 * One `.att` layer: a DSSE envelope whose signatures are checked over the
 * pre-authentication encoding (so the payload type is signed too), holding an
 * in-toto statement whose subject must be this image digest.
 */
export function verifyAttestationLayer(input: AttestationLayerInput): LayerOutcome<VerifiedAttestation> {
  const fail = (text: string): LayerOutcome<VerifiedAttestation> => ({ verified: [], diagnostics: [diagnostic('attestation', input.layer, text)] });
  let json: unknown;
  try {
    json = JSON.parse(input.envelope.toString('utf8'));
  } catch {
    return fail('the DSSE envelope is not JSON');
  }
  const envelope = dsseEnvelopeSchema.safeParse(json);
  if (!envelope.success) return fail('not a DSSE envelope (payloadType, payload and signatures[] are required)');
  const { payloadType } = envelope.data;
  if (payloadType !== MEDIA_TYPES.inTotoPayload) return fail(`payloadType is "${payloadType}", not "${MEDIA_TYPES.inTotoPayload}"`);
  const payload = decodeBase64(envelope.data.payload);
  if (!payload) return fail('the DSSE payload is not base64');

  const pae = preAuthEncoding(payloadType, payload);
  const signatures = envelope.data.signatures.map((s) => decodeBase64(s.sig)).filter((s): s is Buffer => !!s && s.length > 0);
  const keys = input.keys.filter((key) => signatures.some((signature) => verifySignature(key, pae, signature)));
  if (keys.length === 0) {
    return { verified: [], diagnostics: input.keys.map((key) => diagnostic('attestation', input.layer, `envelope signature does not verify with key ${key.label}`)) };
  }
  const signedBy = keys.map((key) => key.label).join(', ');

  let statementJson: unknown;
  try {
    statementJson = JSON.parse(payload.toString('utf8'));
  } catch {
    return fail(`verified with key ${signedBy} but the payload is not JSON`);
  }
  const statement = inTotoStatementSchema.safeParse(statementJson);
  if (!statement.success) return fail(`verified with key ${signedBy} but the payload is not an in-toto statement`);
  const image = parseDigest(input.imageDigest);
  const matches = image && statement.data.subject.some((subject) => subject.digest[image.algorithm]?.toLowerCase() === image.hex);
  if (!matches) {
    const named = statement.data.subject.map((s) => Object.entries(s.digest).map(([alg, hex]) => `${alg}:${hex}`).join('/')).join(', ');
    return fail(`verified with key ${signedBy} but its subject (${named}) is not this image (${input.imageDigest})`);
  }
  return {
    verified: keys.map((key) => ({
      keyFingerprint: key.fingerprint,
      keyLabel: key.label,
      predicateType: statement.data.predicateType,
      predicate: statement.data.predicate,
      // The statement as signed, not as re-serialised by the schema (which would drop unknown fields).
      statement: statementJson as VerifiedAttestation['statement'],
      layer: input.layer,
      layerDigest: input.layerDigest,
    })),
    diagnostics: [],
  };
}
