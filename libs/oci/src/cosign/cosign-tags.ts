import { parseDigest } from '../registry/digest';

/** cosign's legacy layout: `sha256:<hex>` is signed under the tag `sha256-<hex>.sig` in the same repository. */
export function cosignTag(imageDigest: string, suffix: 'sig' | 'att' | 'sbom'): string {
  const parsed = parseDigest(imageDigest);
  if (!parsed) throw new Error(`not an image digest: ${imageDigest}`);
  return `${parsed.algorithm}-${parsed.hex}.${suffix}`;
}

/** Layer annotation holding the base64 signature over the layer's payload. */
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** Keyless artefacts: recorded as unsupported instead of silently passing or failing. */
export const COSIGN_CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';
