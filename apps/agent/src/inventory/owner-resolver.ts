import { OwnerReference, WorkloadOwner, resolveWorkloadOwner } from '@vigil/agent-protocol';

/** ownerReferences of a ReplicaSet or Job; undefined when it does not exist (any more). */
export type OwnerFetcher = (namespace: string, owner: OwnerReference) => Promise<OwnerReference[] | undefined>;

interface Entry {
  refs: readonly OwnerReference[] | undefined;
  expiresAt: number;
}

const FOUND_TTL_MS = 60 * 60_000;
/** Unknown or failed lookups are asked again soon, so a late Deployment is still found. */
const MISSING_TTL_MS = 60_000;
const CLIMBABLE = new Set(['ReplicaSet', 'Job']);

/**
 * Cached lookups for ReplicaSet→Deployment and Job→CronJob. A ReplicaSet's or
 * Job's controller never changes, so one GET per owner (by uid) serves every pod
 * it creates, instead of an informer holding every ReplicaSet's pod template.
 * `resolve` is synchronous and uses only the cache (admission never waits on it);
 * `prefetch` fills it (the inventory awaits it before projecting a pod).
 */
export class OwnerResolver {
  private readonly cache = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly fetch: OwnerFetcher,
    private readonly maxEntries = 20_000,
    private readonly now: () => number = Date.now,
  ) {}

  resolve(namespace: string, refs: readonly OwnerReference[] | undefined): WorkloadOwner | undefined {
    return resolveWorkloadOwner(refs, {
      ownerReferencesOf: (ref) => {
        const entry = this.cache.get(this.key(namespace, ref));
        return entry && entry.expiresAt > this.now() ? entry.refs : undefined;
      },
    });
  }

  async prefetch(namespace: string, refs: readonly OwnerReference[] | undefined): Promise<void> {
    const controller = refs?.find((r) => r.controller === true);
    if (!controller || !CLIMBABLE.has(controller.kind)) return;
    const key = this.key(namespace, controller);
    const entry = this.cache.get(key);
    if (entry && entry.expiresAt > this.now()) return;
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.fetch(namespace, controller)
        .then(
          (found) => this.store(key, found, found ? FOUND_TTL_MS : MISSING_TTL_MS),
          () => this.store(key, undefined, MISSING_TTL_MS),
        )
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    await pending;
  }

  private store(key: string, refs: readonly OwnerReference[] | undefined, ttl: number): void {
    this.cache.delete(key);
    this.cache.set(key, { refs, expiresAt: this.now() + ttl });
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
  }

  private key(namespace: string, ref: OwnerReference): string {
    // By uid: a recreated ReplicaSet of the same name is another object.
    return `${namespace}/${ref.kind}/${ref.uid}`;
  }
}
