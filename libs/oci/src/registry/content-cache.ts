export interface CachedContent {
  readonly bytes: Buffer;
  readonly mediaType?: string;
}

/**
 * LRU of immutable content keyed by `registry/repository@digest`, bounded by
 * entry count and total bytes. The repository is part of the key on purpose:
 * a digest that is readable in one repository says nothing about the access
 * rights of another. Share an instance only between clients with the same
 * credentials (one per org), never across tenants.
 */
export class ContentCache {
  private readonly entries = new Map<string, CachedContent>();
  private bytes = 0;

  constructor(
    private readonly maxEntries = 2048,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  get(key: string): CachedContent | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      // Map keeps insertion order: re-inserting marks the entry most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  set(key: string, content: CachedContent): void {
    if (content.bytes.length > this.maxBytes) return;
    this.delete(key);
    this.entries.set(key, content);
    this.bytes += content.bytes.length;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  private delete(key: string): void {
    const existing = this.entries.get(key);
    if (!existing) return;
    this.bytes -= existing.bytes.length;
    this.entries.delete(key);
  }
}
