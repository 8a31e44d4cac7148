import { parseImageReference, type ImageReference } from '@vigil/policy-engine';
import { OciError } from '../errors/oci.errors';
import { MEDIA_TYPES } from '../registry/media-types';
import type { FetchedManifest, RegistryClient, RepositoryLocation } from '../registry/registry.client';
import { verifyAttestationLayer } from './attestation-layer.verifier';
import { COSIGN_CERTIFICATE_ANNOTATION, COSIGN_SIGNATURE_ANNOTATION, cosignTag } from './cosign-tags';
import type { LayerOutcome } from './signature-layer.verifier';
import { verifySignatureLayer } from './signature-layer.verifier';
import { loadVerificationKeys, type VerificationKey, type VerificationKeyInput } from './verification-key';
import {
  diagnostic,
  type ImageVerification,
  type VerificationDiagnostic,
  type VerifiedAttestation,
  type VerifiedSignature,
} from './verification-report.types';

export interface VerifyImageInput {
  /** The image as written (`ghcr.io/acme/app:1.0`, `…@sha256:…`); a tag is resolved to its digest. */
  readonly image: string | ImageReference;
  /** The digest to verify when already known (admission resolved it); wins over the reference's. */
  readonly digest?: string;
  /** Keys to try, e.g. `verificationKeys(policies)` from the policy engine. */
  readonly keys: readonly VerificationKeyInput[];
  /** Where signatures live when not beside the image (cosign's COSIGN_REPOSITORY). */
  readonly signatureRepository?: RepositoryLocation;
  /** Skip `.att` when no policy asks for attestations (default: both). */
  readonly attestations?: boolean;
}

export interface CosignVerifierOptions {
  /** Largest simple-signing payload or DSSE envelope read (default 4 MiB; SBOM attestations are big). */
  readonly maxLayerBytes?: number;
  /** Most layers read from one `.sig`/`.att` manifest; the rest are reported, not read. */
  readonly maxLayers?: number;
}

type LayerKind = 'signature' | 'attestation';

/**
 * Reads cosign's legacy layout (`sha256-<hex>.sig` / `.att` tags) and verifies
 * every layer locally with the given keys. Registry trouble (timeouts,
 * outages, auth) throws, so a caller never mistakes "could not look" for
 * "not signed"; a bad layer becomes a diagnostic and counts for nothing.
 */
export class CosignVerifier {
  private readonly maxLayerBytes: number;
  private readonly maxLayers: number;

  constructor(
    private readonly client: RegistryClient,
    options: CosignVerifierOptions = {},
  ) {
    this.maxLayerBytes = options.maxLayerBytes ?? 4 * 1024 * 1024;
    this.maxLayers = options.maxLayers ?? 100;
  }

  async verify(input: VerifyImageInput): Promise<ImageVerification> {
    const reference = typeof input.image === 'string' ? parseImageReference(input.image) : input.image;
    const digest = input.digest ?? reference.digest ?? (await this.client.resolve(reference)).digest;
    const { keys, errors } = loadVerificationKeys(input.keys);
    const diagnostics: VerificationDiagnostic[] = errors.map((text) => diagnostic('key', undefined, text));
    if (keys.length === 0) return { reference, digest, signatures: [], attestations: [], diagnostics };

    const location = input.signatureRepository ?? reference;
    const [signatures, attestations] = await Promise.all([
      this.verifyLayers<VerifiedSignature>(location, digest, 'signature', keys, (layer, layerDigest, bytes, signature) =>
        verifySignatureLayer({ layer, layerDigest, payload: bytes, signature, imageDigest: digest, keys }),
      ),
      input.attestations === false
        ? Promise.resolve({ verified: [], diagnostics: [] })
        : this.verifyLayers<VerifiedAttestation>(location, digest, 'attestation', keys, (layer, layerDigest, bytes) =>
            verifyAttestationLayer({ layer, layerDigest, envelope: bytes, imageDigest: digest, keys }),
          ),
    ]);
    return {
      reference,
      digest,
      signatures: signatures.verified,
      attestations: attestations.verified,
      diagnostics: [...diagnostics, ...signatures.diagnostics, ...attestations.diagnostics],
    };
  }

  private async verifyLayers<T>(
    location: RepositoryLocation,
    imageDigest: string,
    kind: LayerKind,
    keys: readonly VerificationKey[],
    verifyLayer: (layer: number, layerDigest: string, bytes: Buffer, signature: string) => LayerOutcome<T>,
  ): Promise<LayerOutcome<T>> {
    const manifest = await this.fetchCosignManifest(location, cosignTag(imageDigest, kind === 'signature' ? 'sig' : 'att'));
    if (!manifest) return { verified: [], diagnostics: [] };
    if (manifest.parsed.kind !== 'manifest') {
      return { verified: [], diagnostics: [diagnostic(kind, undefined, `the ${kind} tag points at an index, not a cosign manifest`)] };
    }
    const expectedType = kind === 'signature' ? MEDIA_TYPES.cosignSimpleSigning : MEDIA_TYPES.dsseEnvelope;
    const verified: T[] = [];
    const diagnostics: VerificationDiagnostic[] = [];
    const layers = manifest.parsed.manifest.layers;
    if (layers.length > this.maxLayers) {
      diagnostics.push(diagnostic(kind, undefined, `${layers.length} layers; only the first ${this.maxLayers} were read`));
    }
    // Sequential on purpose: layers are small, and a hostile manifest must not fan out into hundreds of requests at once.
    for (const [index, layer] of layers.slice(0, this.maxLayers).entries()) {
      const note = (text: string) => diagnostics.push(diagnostic(kind, index, text));
      if (layer.mediaType !== expectedType) {
        note(`media type ${layer.mediaType} is not ${expectedType}; skipped`);
        continue;
      }
      const signature = layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION] ?? '';
      if (kind === 'signature' && !signature) {
        note(
          layer.annotations?.[COSIGN_CERTIFICATE_ANNOTATION]
            ? 'keyless (certificate) signatures are not supported yet; skipped'
            : `no ${COSIGN_SIGNATURE_ANNOTATION} annotation; skipped`,
        );
        continue;
      }
      if (layer.size > this.maxLayerBytes) {
        note(`${layer.size} bytes is more than the ${this.maxLayerBytes}-byte limit; skipped`);
        continue;
      }
      let bytes: Buffer;
      try {
        bytes = await this.client.getBlob(location, layer.digest, this.maxLayerBytes);
      } catch (error) {
        if (error instanceof OciError && !error.retryable && error.code !== 'registry_unauthorized') {
          note(`cannot use the layer: ${error.message}`);
          continue;
        }
        throw error;
      }
      const outcome = verifyLayer(index, layer.digest, bytes, signature);
      verified.push(...outcome.verified);
      diagnostics.push(...outcome.diagnostics);
    }
    return { verified, diagnostics };
  }

  /** The `.sig`/`.att` manifest, or undefined when the tag does not exist (nothing signed). */
  private async fetchCosignManifest(location: RepositoryLocation, tag: string): Promise<FetchedManifest | undefined> {
    try {
      return await this.client.getManifest(location, tag);
    } catch (error) {
      if (error instanceof OciError && error.code === 'not_found') return undefined;
      throw error;
    }
  }
}
