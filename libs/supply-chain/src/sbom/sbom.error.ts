export type SbomErrorCode =
  | 'too-large'
  | 'invalid-json'
  | 'unsupported-format'
  | 'unsupported-version'
  | 'invalid-document'
  | 'too-many-packages'
  | 'too-deep';

/** The only error the SBOM parsers throw; `message` is safe to return to the uploader as a 400. */
export class SbomError extends Error {
  override readonly name = 'SbomError';

  constructor(
    readonly code: SbomErrorCode,
    message: string,
    /** JSON path of the offending value, when there is one. */
    readonly path?: string,
  ) {
    super(path ? `${path}: ${message}` : message);
  }
}
