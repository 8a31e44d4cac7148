import { Injectable, Logger } from '@nestjs/common';
import { OciError } from '@vigil/oci';
import type { ImageFacts, ImageReference } from '@vigil/policy-engine';
import { OrgRegistryPool } from '../registry/org-registry.pool';
import { VerifiedFactsRepository } from '../repositories';
import { isPositive, keyIdOf, mergeFacts, splitByKey, type KeyFacts, type WantedKey } from './key-facts';
import { VerifiedFactsCache } from './verified-facts.cache';

/** Facts that verified something only grow (a digest never changes), so they may be old. */
export const POSITIVE_MAX_AGE_MS = 60 * 60_000;
/** "Nothing verified" may change any minute (the signature is pushed after the image): re-checked this often. */
export const NEGATIVE_MAX_AGE_MS = 10_000;

export interface GatheredFacts {
  readonly facts: ImageFacts;
  /** Verification diagnostics (bad layers) for reasons. */
  readonly diagnostics: readonly string[];
  /** Why some keys could not be checked (registry trouble); their facts are missing or stale. */
  readonly problem?: string;
  /** Age of the oldest entry used, in ms. */
  readonly oldestMs: number;
}

/**
 * Verified cosign metadata of one digest for a set of keys, from (1) memory,
 * (2) the `verified_image_facts` table, (3) the registry — in that order, per
 * (org, digest, key). Concurrent requests for the same verification share one
 * registry round (a Deployment scaling up asks for one digest many times).
 */
@Injectable()
export class ImageFactsService {
  private readonly logger = new Logger('ImageFactsService');
  private readonly cache = new VerifiedFactsCache();
  private readonly inflight = new Map<string, Promise<Map<string, KeyFacts>>>();

  constructor(
    private readonly registries: OrgRegistryPool,
    private readonly stored: VerifiedFactsRepository,
  ) {}

  /** A tag's current digest (tags are always asked again); a digest reference is taken as written. */
  async resolveDigest(orgId: string, reference: ImageReference): Promise<string> {
    if (reference.digest) return reference.digest;
    return (await this.registries.forOrg(orgId).client.resolve(reference)).digest;
  }

  async gather(orgId: string, reference: ImageReference, ref: string, digest: string, keys: readonly WantedKey[], maxAgeMs = POSITIVE_MAX_AGE_MS): Promise<GatheredFacts> {
    const now = Date.now();
    const usable = (facts: KeyFacts | undefined): facts is KeyFacts =>
      !!facts && now - facts.verifiedAt <= (isPositive(facts) ? maxAgeMs : Math.min(maxAgeMs, NEGATIVE_MAX_AGE_MS));
    const found = new Map<string, KeyFacts>();
    const stale = new Map<string, KeyFacts>();
    for (const key of keys) {
      const hit = this.cache.get(VerifiedFactsCache.key(orgId, digest, keyIdOf(key)));
      if (usable(hit)) found.set(keyIdOf(key), hit);
      else if (hit) stale.set(keyIdOf(key), hit);
    }
    let missing = keys.filter((k) => !found.has(keyIdOf(k)));
    if (missing.length > 0) {
      for (const row of await this.stored.find(orgId, digest, missing)) {
        this.cache.set(VerifiedFactsCache.key(orgId, digest, row.keyId), row.facts);
        if (usable(row.facts)) found.set(row.keyId, row.facts);
        else stale.set(row.keyId, row.facts);
      }
      missing = missing.filter((k) => !found.has(keyIdOf(k)));
    }
    let problem: string | undefined;
    if (missing.length > 0) {
      try {
        const fresh = await this.verifyShared(orgId, reference, digest, missing);
        for (const [id, facts] of fresh) found.set(id, facts);
      } catch (error) {
        problem = describeRegistryError(reference, error);
        // What a key verified stays true; stale facts beat none while the registry is down.
        for (const key of missing) {
          const old = stale.get(keyIdOf(key));
          if (old) found.set(keyIdOf(key), old);
        }
      }
    }
    const entries = [...found.values()];
    return {
      facts: mergeFacts(ref, digest, entries),
      diagnostics: [...new Set(entries.flatMap((e) => e.diagnostics))],
      ...(problem ? { problem } : {}),
      oldestMs: entries.reduce((oldest, e) => Math.max(oldest, now - e.verifiedAt), 0),
    };
  }

  private verifyShared(orgId: string, reference: ImageReference, digest: string, keys: readonly WantedKey[]): Promise<Map<string, KeyFacts>> {
    const flightKey = `${orgId}|${digest}|${keys.map(keyIdOf).sort().join(',')}`;
    const running = this.inflight.get(flightKey);
    if (running) return running;
    const flight = this.verify(orgId, reference, digest, keys).finally(() => this.inflight.delete(flightKey));
    this.inflight.set(flightKey, flight);
    return flight;
  }

  private async verify(orgId: string, reference: ImageReference, digest: string, keys: readonly WantedKey[]): Promise<Map<string, KeyFacts>> {
    const { verifier } = this.registries.forOrg(orgId);
    const verification = await verifier.verify({ image: reference, digest, keys: keys.map((k) => ({ pem: k.pem, label: k.label, hashAlgorithm: k.hashAlgorithm as never })) });
    const byKey = splitByKey(verification, keys, Date.now());
    const durable: { fingerprint: string; hashAlgorithm: string; facts: KeyFacts }[] = [];
    for (const key of keys) {
      const facts = byKey.get(keyIdOf(key))!;
      this.cache.set(VerifiedFactsCache.key(orgId, digest, keyIdOf(key)), facts);
      // Only what verified is worth keeping across restarts; "nothing yet" is re-checked soon anyway.
      if (isPositive(facts)) durable.push({ fingerprint: key.fingerprint, hashAlgorithm: key.hashAlgorithm, facts: { ...facts, diagnostics: [] } });
    }
    try {
      await this.stored.upsert(orgId, digest, durable);
    } catch (error) {
      // The decision does not depend on the durable copy; memory has it.
      this.logger.warn({ err: error, orgId, digest }, 'could not store verified image facts');
    }
    return byKey;
  }
}

/** A reason a human can act on, naming the registry and what went wrong (never credentials). */
export function describeRegistryError(reference: ImageReference, error: unknown): string {
  if (error instanceof OciError) return `could not verify ${reference.canonical}: registry ${reference.registry} failed (${error.code}): ${error.message}`;
  return `could not verify ${reference.canonical}: ${error instanceof Error ? error.message : String(error)}`;
}
