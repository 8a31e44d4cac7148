import type { ImageDecision } from '@vigil/agent-protocol';

interface Entry {
  decision: ImageDecision;
  expiresAt: number;
}

/**
 * Per-image decisions under one policy state (protocol: cached per
 * (digest, policyStateToken)). The key is the reference as written in the spec,
 * which is the digest itself for pinned images. A new token empties the cache:
 * decisions made under old policies must never answer again.
 */
export class DecisionCache {
  private readonly entries = new Map<string, Entry>();
  private currentToken?: string;

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get policyStateToken(): string | undefined {
    return this.currentToken;
  }

  /** Adopts the platform's latest token; a change drops every cached decision. */
  observeToken(token: string): void {
    if (token === this.currentToken) return;
    this.currentToken = token;
    this.entries.clear();
  }

  get(ref: string): ImageDecision | undefined {
    if (this.currentToken === undefined) return undefined;
    const entry = this.entries.get(ref);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(ref);
      return undefined;
    }
    // Re-insert: Map order then doubles as LRU order for eviction.
    this.entries.delete(ref);
    this.entries.set(ref, entry);
    return entry.decision;
  }

  /** Stores decisions made under `token`; ignored if policies changed meanwhile. */
  put(token: string, decision: ImageDecision): void {
    if (token !== this.currentToken || decision.cacheTtlSeconds <= 0 || this.maxEntries === 0) return;
    this.entries.delete(decision.image);
    this.entries.set(decision.image, { decision, expiresAt: this.now() + decision.cacheTtlSeconds * 1000 });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  get size(): number {
    return this.entries.size;
  }
}
