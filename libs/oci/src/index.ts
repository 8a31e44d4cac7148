export {
  OciError,
  RegistryTimeoutError,
  RegistryUnavailableError,
  RegistryUnauthorizedError,
  RegistryProtocolError,
  NotFoundError,
  DigestMismatchError,
  ContentTooLargeError,
  InvalidContentError,
  UnsupportedMediaTypeError,
  ForbiddenTargetError,
  type OciErrorCode,
} from './errors/oci.errors';
export {
  RegistryClient,
  type RepositoryLocation,
  type ManifestDescriptor,
  type FetchedManifest,
  type ResolvedImage,
} from './registry/registry.client';
export { registryOptionsFromConfig, type RegistryClientOptions } from './registry/registry-client.options';
export { staticCredentials, type RegistryCredential, type CredentialProvider } from './registry/registry-credentials';
export { ContentCache, type CachedContent } from './registry/content-cache';
export { parseManifest, type ParsedManifest } from './registry/manifest.parser';
export type { Descriptor, ImageIndex, ImageManifest, IndexEntry, Platform } from './registry/manifest.schema';
export { selectPlatformManifest, type PlatformWanted } from './registry/platform-selector';
export { MEDIA_TYPES, MANIFEST_ACCEPT } from './registry/media-types';
export { computeDigest, parseDigest, isDigest, type DigestAlgorithm } from './registry/digest';
export { isForbiddenAddress, assertPublicHost, guardedLookup, type Resolver } from './registry/target-guard';
export { parseAuthChallenges, type AuthChallenge } from './registry/auth-challenge.parser';
export type { RetryOptions } from './registry/retry-policy';

export { CosignVerifier, type VerifyImageInput, type CosignVerifierOptions } from './cosign/cosign.verifier';
export { cosignTag, COSIGN_SIGNATURE_ANNOTATION, COSIGN_SIGNATURE_TYPE } from './cosign/cosign-tags';
export { preAuthEncoding, dsseEnvelopeSchema, type DsseEnvelope } from './cosign/dsse';
export { simpleSigningPayloadSchema, inTotoStatementSchema, type SimpleSigningPayload, type InTotoStatement } from './cosign/cosign-payload.schema';
export { loadVerificationKeys, verifySignature, type VerificationKey, type VerificationKeyInput } from './cosign/verification-key';
export { verifySignatureLayer, type SignatureLayerInput, type LayerOutcome } from './cosign/signature-layer.verifier';
export { verifyAttestationLayer, type AttestationLayerInput } from './cosign/attestation-layer.verifier';
export type {
  ImageVerification,
  VerifiedSignature,
  VerifiedAttestation,
  VerificationDiagnostic,
} from './cosign/verification-report.types';
export { toImageFacts } from './cosign/image-facts.adapter';
