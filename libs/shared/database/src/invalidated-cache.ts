import type { DatabaseNotifications, NotificationHandler } from './database-notifications';

export interface InvalidatedCacheOptions {
  /** Upper bound on an entry's life even when no notification comes (a safety net, not the mechanism). */
  ttlMs: number;
  maxEntries: number;
  /** Channel whose payloads are tags to drop (`org:<id>`, `key:<id>`, …). */
  channel: string;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
  tags: readonly string[];
}

/**
 * An in-process read-through cache kept true by Postgres notifications: a
 * notification drops every entry carrying its tag. Entries are kept only
 * while the notification connection listens, and a load that raced with an
 * invalidation is used once but not kept, so a committed change is never
 * hidden for longer than it takes the notification to arrive.
 */
export class InvalidatedCache<V> implements NotificationHandler {
  private readonly entries = new Map<string, Entry<V>>();
  private generation = 0;

  constructor(
    private readonly notifications: DatabaseNotifications,
    private readonly options: InvalidatedCacheOptions,
  ) {
    notifications.subscribe(options.channel, this);
  }

  /** The cached value, or `load()`'s (kept when it is safe to). `expiresAt` caps the entry's life (e.g. a credential's expiry). */
  async get(key: string, load: () => Promise<{ value: V; tags: readonly string[]; expiresAt?: number } | null>): Promise<V | null> {
    const hit = this.entries.get(key);
    const now = Date.now();
    if (hit && hit.expiresAt > now && this.notifications.listening) return hit.value;
    if (hit) this.entries.delete(key);
    const generation = this.generation;
    const loaded = await load();
    if (!loaded) return null;
    if (generation === this.generation && this.notifications.listening) {
      if (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { value: loaded.value, tags: loaded.tags, expiresAt: Math.min(now + this.options.ttlMs, loaded.expiresAt ?? Infinity) });
    }
    return loaded.value;
  }

  /**
   * Drops every entry tagged `tag`. Notifications do this on every replica; the
   * replica that made a change also calls it right after its commit, so its
   * own next request never waits on the notification.
   */
  forget(tag: string): void {
    this.generation++;
    for (const [key, entry] of this.entries) if (entry.tags.includes(tag)) this.entries.delete(key);
  }

  notified(payload: string): void {
    this.forget(payload);
  }

  reset(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
