import type { KeyFacts } from './key-facts';

export interface VerifiedFactsCacheOptions {
  readonly maxEntries?: number;
  /** Attestation predicates (SBOMs) can be megabytes: bound memory, not only entries. */
  readonly maxBytes?: number;
}

interface Entry {
  readonly facts: KeyFacts;
  readonly bytes: number;
}

/**
 * The in-process tier of the verification cache: (org, digest, key) → what
 * that key verified. LRU by Map order, bounded by entries and approximate
 * bytes. Entries are returned with their age; the caller decides freshness.
 */
export class VerifiedFactsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private bytes = 0;

  constructor(options: VerifiedFactsCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 20_000;
    this.maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  }

  static key(orgId: string, digest: string, keyId: string): string {
    return `${orgId}|${digest}|${keyId}`;
  }

  get(key: string): KeyFacts | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.facts;
  }

  set(key: string, facts: KeyFacts, approximateBytes?: number): void {
    const bytes = approximateBytes ?? estimateBytes(facts);
    if (bytes > this.maxBytes) return;
    this.delete(key);
    this.entries.set(key, { facts, bytes });
    this.bytes += bytes;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}

function estimateBytes(facts: KeyFacts): number {
  // Only when an entry is stored (a verification or a database load), never per decision.
  return 256 + JSON.stringify(facts.signatures).length + JSON.stringify(facts.attestations).length;
}
