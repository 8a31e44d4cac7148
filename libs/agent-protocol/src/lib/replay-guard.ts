/**
 * Remembers nonces so a captured request cannot be sent twice. Verification only
 * asks after the signature checked out, so forged requests cannot fill the store.
 *
 * The platform implements this on shared state, e.g. Redis
 * `SET vigil:nonce:<key> 1 NX PXAT <expiresAt>` (reply OK → true, nil → false),
 * or a Postgres table with a unique key and a sweep of expired rows.
 */
export interface ReplayGuard {
  /**
   * Atomically: true when `key` was not seen (and is now remembered until
   * `expiresAt`), false when it was seen and has not expired.
   */
  checkAndRemember(key: string, expiresAt: Date, now: Date): boolean | Promise<boolean>;
}

/** A single-process guard for tests and the demo; not shared between replicas. */
export class InMemoryReplayGuard implements ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = 100_000) {}

  checkAndRemember(key: string, expiresAt: Date, now: Date): boolean {
    const nowMs = now.getTime();
    const known = this.seen.get(key);
    if (known !== undefined && known > nowMs) return false;
    if (this.seen.size >= this.maxEntries) this.prune(nowMs);
    // Full of live nonces: refusing is safer than forgetting one and allowing a replay.
    if (this.seen.size >= this.maxEntries) throw new Error('InMemoryReplayGuard is full');
    this.seen.set(key, expiresAt.getTime());
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private prune(nowMs: number): void {
    for (const [key, expires] of this.seen) if (expires <= nowMs) this.seen.delete(key);
  }
}
