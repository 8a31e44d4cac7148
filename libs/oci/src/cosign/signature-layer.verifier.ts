import { COSIGN_SIGNATURE_TYPE } from './cosign-tags';
import { simpleSigningPayloadSchema } from './cosign-payload.schema';
import { decodeBase64 } from './dsse';
import { diagnostic, type VerificationDiagnostic, type VerifiedSignature } from './verification-report.types';
import { reportedHash, verifySignature, type VerificationKey } from './verification-key';

export interface SignatureLayerInput {
  readonly layer: number;
  readonly layerDigest: string;
  /** The simple-signing payload blob, already checked against `layerDigest`. */
  readonly payload: Buffer;
  /** The `dev.cosignproject.cosign/signature` annotation (base64). */
  readonly signature: string;
  readonly imageDigest: string;
  readonly keys: readonly VerificationKey[];
}

export interface LayerOutcome<T> {
  readonly verified: T[];
  readonly diagnostics: VerificationDiagnostic[];
}

/**
 * One `.sig` layer, in cosign's order: the signature must verify over the
 * payload bytes first, then the payload must name this image digest and the
 * cosign signature type. A signature that verifies for another digest is
 * refused (it would let a signature be copied onto any image).
 */
export function verifySignatureLayer(input: SignatureLayerInput): LayerOutcome<VerifiedSignature> {
  const fail = (text: string): LayerOutcome<VerifiedSignature> => ({ verified: [], diagnostics: [diagnostic('signature', input.layer, text)] });
  const signature = decodeBase64(input.signature);
  if (!signature || signature.length === 0) return fail('the signature annotation is not base64');

  const keys = input.keys.filter((key) => verifySignature(key, input.payload, signature));
  if (keys.length === 0) {
    return { verified: [], diagnostics: input.keys.map((key) => diagnostic('signature', input.layer, `signature does not verify with key ${key.label}`)) };
  }
  const signedBy = keys.map((key) => key.label).join(', ');

  let json: unknown;
  try {
    json = JSON.parse(input.payload.toString('utf8'));
  } catch {
    return fail(`verified with key ${signedBy} but the payload is not JSON`);
  }
  const parsed = simpleSigningPayloadSchema.safeParse(json);
  if (!parsed.success) return fail(`verified with key ${signedBy} but the payload is not a cosign simple-signing document`);
  const { critical, optional } = parsed.data;
  if (critical.type !== COSIGN_SIGNATURE_TYPE) {
    return fail(`verified with key ${signedBy} but critical.type is "${critical.type}", not "${COSIGN_SIGNATURE_TYPE}"`);
  }
  if (critical.image['docker-manifest-digest'] !== input.imageDigest) {
    return fail(`verified with key ${signedBy} but signs ${critical.image['docker-manifest-digest']}, not this image (${input.imageDigest})`);
  }
  return {
    verified: keys.map((key) => ({
      keyFingerprint: key.fingerprint,
      keyLabel: key.label,
      ...(reportedHash(key) ? { hashAlgorithm: reportedHash(key) } : {}),
      dockerReference: critical.identity['docker-reference'],
      annotations: optional ?? {},
      layer: input.layer,
      layerDigest: input.layerDigest,
    })),
    diagnostics: [],
  };
}
