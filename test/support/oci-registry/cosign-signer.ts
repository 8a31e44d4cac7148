import { sign, type KeyObject } from 'node:crypto';
import type { RegistryClient, RepositoryLocation } from '@vigil/oci';
import { blob, descriptor, type Blob } from './image-builder';

/*
 * cosign's legacy layout, written independently of libs/oci's verifier (the
 * tests must catch a verifier that gets the format wrong): what `cosign sign
 * --key` and `cosign attest --key` push, byte for byte in structure.
 */

const SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
const DSSE = 'application/vnd.dsse.envelope.v1+json';
const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

/** cosign's `.sig`/`.att` tag for an image digest. */
export const cosignTagFor = (digest: string, suffix: 'sig' | 'att') => `${digest.replace(':', '-')}.${suffix}`;

export function simpleSigningPayload(dockerReference: string, digest: string, optional: Record<string, unknown> | null = null): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' },
      optional,
    }),
  );
}

/** What cosign's signers produce: ECDSA DER, RSA PKCS#1 v1.5 and Ed25519 (no pre-hash). */
export function signBytes(key: KeyObject, bytes: Buffer): Buffer {
  return sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', bytes, key);
}

export function pae(payloadType: string, payload: Buffer): Buffer {
  return Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} ${payload.toString('latin1')}`, 'latin1');
}

export function inTotoStatement(subjectName: string, digest: string, predicateType: string, predicate: unknown): Buffer {
  const [algorithm, hex] = digest.split(':');
  return Buffer.from(
    JSON.stringify({ _type: 'https://in-toto.io/Statement/v0.1', predicateType, subject: [{ name: subjectName, digest: { [algorithm!]: hex } }], predicate }),
  );
}

export function dsseEnvelope(key: KeyObject, statement: Buffer, payloadType = 'application/vnd.in-toto+json', signedStatement = statement): Buffer {
  return Buffer.from(
    JSON.stringify({
      payloadType,
      payload: statement.toString('base64'),
      signatures: [{ keyid: '', sig: signBytes(key, pae('application/vnd.in-toto+json', signedStatement)).toString('base64') }],
    }),
  );
}

export interface CosignLayer {
  readonly blob: Blob;
  readonly annotations: Record<string, string>;
}

export const signatureLayer = (payload: Buffer, signature: Buffer): CosignLayer => ({
  blob: blob(SIMPLE_SIGNING, payload),
  annotations: { [SIGNATURE_ANNOTATION]: signature.toString('base64') },
});

export const attestationLayer = (envelope: Buffer, predicateType: string): CosignLayer => ({
  blob: blob(DSSE, envelope),
  annotations: { [SIGNATURE_ANNOTATION]: '', predicateType },
});

/**
 * Pushes the layers as the manifest under `sha256-<hex>.sig|.att`, with
 * cosign's config blob (one diff_id per layer, zero timestamps).
 */
export async function pushCosignManifest(
  client: RegistryClient,
  location: RepositoryLocation,
  imageDigest: string,
  suffix: 'sig' | 'att',
  layers: readonly CosignLayer[],
): Promise<string> {
  const config = blob(
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(
      JSON.stringify({
        architecture: '',
        created: '0001-01-01T00:00:00Z',
        history: layers.map(() => ({ created: '0001-01-01T00:00:00Z' })),
        os: '',
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.blob.digest) },
        config: {},
      }),
    ),
  );
  for (const b of [config, ...layers.map((l) => l.blob)]) await client.pushBlob(location, b.bytes);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: descriptor(config),
      layers: layers.map((l) => descriptor(l.blob, { annotations: l.annotations })),
    }),
  );
  return client.pushManifest(location, cosignTagFor(imageDigest, suffix), manifest, 'application/vnd.oci.image.manifest.v1+json');
}

/** Pushes every blob of an image and its manifest under `tag`; returns the manifest digest. */
export async function pushImage(
  client: RegistryClient,
  location: RepositoryLocation,
  tag: string,
  image: { manifest: Blob; config: Blob; layers: readonly Blob[] },
): Promise<string> {
  for (const b of [image.config, ...image.layers]) await client.pushBlob(location, b.bytes);
  return client.pushManifest(location, tag, image.manifest.bytes, image.manifest.mediaType);
}
