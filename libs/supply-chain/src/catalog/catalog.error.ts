export type CatalogErrorCode =
  | 'path-traversal'
  | 'entry-too-large'
  | 'file-too-large'
  | 'too-many-entries'
  | 'too-many-layers'
  | 'decompressed-too-large'
  | 'collected-too-large'
  | 'unsupported-compression'
  | 'invalid-layer'
  | 'layer-read-failed';

/**
 * The only error the image-layer cataloger throws. All codes except `layer-read-failed` (the
 * source stream failed: retry) mean the image's content is malformed or hostile (do not retry).
 */
export class CatalogError extends Error {
  override readonly name = 'CatalogError';

  constructor(
    readonly code: CatalogErrorCode,
    message: string,
    /** 0-based index of the layer, when the error is about one. */
    readonly layer?: number,
    options?: { cause?: unknown },
  ) {
    super(layer === undefined ? message : `layer ${layer}: ${message}`, options);
  }
}
