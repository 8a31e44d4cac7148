export interface RetryOptions {
  /** Attempts after the first (default 2). */
  readonly retries: number;
  /** First backoff in ms, doubled each attempt with full jitter (default 200). */
  readonly baseDelayMs: number;
  /** Ceiling for one backoff, also for a server's Retry-After (default 5000). */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 2, baseDelayMs: 200, maxDelayMs: 5000 };

/** Full-jitter exponential backoff; a Retry-After (seconds) is honoured up to the ceiling. */
export function backoffDelay(attempt: number, options: RetryOptions, retryAfter?: string | null): number {
  const seconds = retryAfter ? Number(retryAfter) : NaN;
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, options.maxDelayMs);
  const ceiling = Math.min(options.baseDelayMs * 2 ** attempt, options.maxDelayMs);
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Statuses worth asking again: the registry is overloaded or briefly broken. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504 || status === 500;
}
