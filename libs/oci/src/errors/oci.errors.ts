/**
 * Typed failures of registry access and verification. `retryable` tells the
 * caller (worker, admission) whether asking again later can help: a registry
 * that timed out may answer tomorrow, a manifest whose bytes do not match its
 * digest never will.
 */
export type OciErrorCode =
  | 'registry_timeout'
  | 'registry_unavailable'
  | 'registry_unauthorized'
  | 'registry_error'
  | 'not_found'
  | 'digest_mismatch'
  | 'content_too_large'
  | 'invalid_content'
  | 'unsupported_media_type'
  | 'forbidden_target';

export abstract class OciError extends Error {
  abstract readonly code: OciErrorCode;
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No answer (connect, headers or body) within the configured time. */
export class RegistryTimeoutError extends OciError {
  readonly code = 'registry_timeout';
  readonly retryable = true;
}

/** Network failure or 5xx/429 that persisted through the retries. */
export class RegistryUnavailableError extends OciError {
  readonly code = 'registry_unavailable';
  readonly retryable = true;
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 401/403 after authenticating (or when no credentials were offered). */
export class RegistryUnauthorizedError extends OciError {
  readonly code = 'registry_unauthorized';
  readonly retryable = false;
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Any other unexpected answer: a 4xx we do not understand, a broken redirect, a bad auth challenge. */
export class RegistryProtocolError extends OciError {
  readonly code = 'registry_error';
  readonly retryable = false;
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export class NotFoundError extends OciError {
  readonly code = 'not_found';
  readonly retryable = false;
}

/** The bytes served do not hash to the digest asked for (or announced). */
export class DigestMismatchError extends OciError {
  readonly code = 'digest_mismatch';
  readonly retryable = false;
  constructor(
    readonly expected: string,
    readonly actual: string,
    what: string,
  ) {
    super(`${what}: registry served content with digest ${actual}, expected ${expected}`);
  }
}

/** A body larger than the limit; reading stopped at the limit, never buffered whole. */
export class ContentTooLargeError extends OciError {
  readonly code = 'content_too_large';
  readonly retryable = false;
  constructor(
    readonly limit: number,
    what: string,
  ) {
    super(`${what}: larger than the limit of ${limit} bytes`);
  }
}

/** JSON that does not parse or does not have the shape its media type promises. */
export class InvalidContentError extends OciError {
  readonly code = 'invalid_content';
  readonly retryable = false;
}

export class UnsupportedMediaTypeError extends OciError {
  readonly code = 'unsupported_media_type';
  readonly retryable = false;
}

/** SSRF protection: the host is or resolves to a loopback/private/link-local/metadata address. */
export class ForbiddenTargetError extends OciError {
  readonly code = 'forbidden_target';
  readonly retryable = false;
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(
      `refusing to contact ${host}: ${address === host ? 'it is' : `it resolves to ${address}, which is`} a loopback, private, link-local or metadata address (set VIGIL_ALLOW_PRIVATE_TARGETS=true to allow)`,
    );
  }
}
