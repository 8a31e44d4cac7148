import { InvalidContentError, UnsupportedMediaTypeError } from '../errors/oci.errors';
import { IMAGE_MANIFEST_MEDIA_TYPES, INDEX_MEDIA_TYPES } from './media-types';
import { imageIndexSchema, imageManifestSchema, type ImageIndex, type ImageManifest } from './manifest.schema';

export type ParsedManifest =
  | { readonly kind: 'manifest'; readonly mediaType: string; readonly manifest: ImageManifest }
  | { readonly kind: 'index'; readonly mediaType: string; readonly index: ImageIndex };

/**
 * Parses manifest bytes. The media type comes from the body when present,
 * else from the Content-Type header; Docker schema 1 and unknown types are refused.
 */
export function parseManifest(bytes: Uint8Array, contentType: string | undefined, what: string): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new InvalidContentError(`${what}: manifest is not valid JSON (${(error as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new InvalidContentError(`${what}: manifest is not a JSON object`);
  }
  const declared = (json as { mediaType?: unknown }).mediaType;
  const header = contentType?.split(';')[0]?.trim();
  let mediaType = typeof declared === 'string' ? declared : header;
  // OCI manifests may omit mediaType and registries may send a generic content type: infer from shape.
  if (!mediaType || !(IMAGE_MANIFEST_MEDIA_TYPES.includes(mediaType) || INDEX_MEDIA_TYPES.includes(mediaType))) {
    if (typeof declared !== 'string' && 'manifests' in json) mediaType = INDEX_MEDIA_TYPES[0];
    else if (typeof declared !== 'string' && 'layers' in json) mediaType = IMAGE_MANIFEST_MEDIA_TYPES[0];
    else throw new UnsupportedMediaTypeError(`${what}: unsupported manifest media type ${mediaType ?? '(none)'}`);
  }
  const resolvedType = mediaType as string;
  if (INDEX_MEDIA_TYPES.includes(resolvedType)) {
    const result = imageIndexSchema.safeParse(json);
    if (!result.success) throw new InvalidContentError(`${what}: invalid image index: ${summarise(result.error.issues)}`);
    return { kind: 'index', mediaType: resolvedType, index: result.data };
  }
  const result = imageManifestSchema.safeParse(json);
  if (!result.success) throw new InvalidContentError(`${what}: invalid image manifest: ${summarise(result.error.issues)}`);
  return { kind: 'manifest', mediaType: resolvedType, manifest: result.data };
}

function summarise(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
