export type PlatformErrorKind = 'timeout' | 'network' | 'http' | 'invalid-response';

/** Why a platform call failed; callers decide between retry, failure policy and giving up. */
export class PlatformError extends Error {
  constructor(
    readonly kind: PlatformErrorKind,
    message: string,
    readonly status?: number,
    /** The `message` of the platform's error body (`{statusCode, error, message}`), when it sent one. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'PlatformError';
  }

  /** 4xx other than 408/429 will not get better by retrying the same request. */
  get permanent(): boolean {
    return this.kind === 'http' && this.status !== undefined && this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}
