/** Kubernetes-shaped objects as the fake stores them: only what the API semantics need is typed. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Why a create or update was refused, as the apiserver's Status names it. */
export type WriteRefusal = { reason: 'AlreadyExists' | 'NotFound' | 'Conflict'; message: string };

export interface StoredEvent {
  resourceVersion: number;
  type: WatchEventType;
  object: KubeObject;
}

/**
 * One resource collection with etcd-like semantics: every write bumps a global
 * resourceVersion and is appended to an event log that watches replay from;
 * `compact()` forgets history, so older resourceVersions become "410 Gone".
 */
export class KubeObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly log: StoredEvent[] = [];
  private readonly listeners = new Set<(event: StoredEvent) => void>();
  /** Oldest resourceVersion a watch may still start from (exclusive lower bound). */
  compactedRevision = 0;

  constructor(
    readonly kind: string,
    readonly apiVersion: string,
    private readonly nextRevision: () => number,
    private readonly currentRevision: () => number,
  ) {}

  key(namespace: string | undefined, name: string): string {
    return `${namespace ?? ''}/${name}`;
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(this.key(namespace, name));
  }

  list(namespace?: string): KubeObject[] {
    const all = [...this.objects.values()].filter((o) => namespace === undefined || o.metadata.namespace === namespace);
    // The real apiserver lists in key order (namespace/name), which paging relies on.
    return all.sort((a, b) => this.key(a.metadata.namespace, a.metadata.name).localeCompare(this.key(b.metadata.namespace, b.metadata.name)));
  }

  upsert(object: KubeObject): KubeObject {
    const key = this.key(object.metadata.namespace, object.metadata.name);
    const existing = this.objects.get(key);
    const rv = this.nextRevision();
    const stored: KubeObject = structuredClone({
      ...object,
      apiVersion: this.apiVersion,
      kind: this.kind,
      metadata: {
        ...object.metadata,
        uid: existing?.metadata.uid ?? object.metadata.uid ?? `uid-${rv}-${Math.random().toString(36).slice(2, 10)}`,
        creationTimestamp: existing?.metadata.creationTimestamp ?? object.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        resourceVersion: String(rv),
      },
    });
    this.objects.set(key, stored);
    this.emit({ resourceVersion: rv, type: existing ? 'MODIFIED' : 'ADDED', object: stored });
    return structuredClone(stored);
  }

  /**
   * POST semantics: the store's create is atomic, so of two concurrent creates of
   * one name exactly one wins and the other gets AlreadyExists (409).
   */
  create(object: KubeObject, resource: string): KubeObject | WriteRefusal {
    if (this.objects.has(this.key(object.metadata.namespace, object.metadata.name))) {
      return { reason: 'AlreadyExists', message: `${resource} "${object.metadata.name}" already exists` };
    }
    const { uid: _uid, resourceVersion: _rv, creationTimestamp: _ts, ...metadata } = object.metadata;
    return this.upsert({ ...object, metadata: metadata as KubeObject['metadata'] });
  }

  /**
   * PUT semantics: a body carrying metadata.resourceVersion is a compare-and-swap
   * (409 Conflict when the object changed since); without one the update is
   * unconditional. No create-on-update (404), as for the built-in resources.
   */
  update(object: KubeObject, resource: string): KubeObject | WriteRefusal {
    const existing = this.get(object.metadata.namespace, object.metadata.name);
    if (!existing) return { reason: 'NotFound', message: `${resource} "${object.metadata.name}" not found` };
    const expected = object.metadata.resourceVersion;
    if (expected && expected !== existing.metadata.resourceVersion) {
      return {
        reason: 'Conflict',
        message: `Operation cannot be fulfilled on ${resource} "${object.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      };
    }
    return this.upsert({ ...object, metadata: { ...object.metadata, uid: existing.metadata.uid, creationTimestamp: existing.metadata.creationTimestamp } });
  }

  delete(namespace: string | undefined, name: string): KubeObject | undefined {
    const key = this.key(namespace, name);
    const existing = this.objects.get(key);
    if (!existing) return undefined;
    this.objects.delete(key);
    const rv = this.nextRevision();
    const gone: KubeObject = structuredClone({ ...existing, metadata: { ...existing.metadata, resourceVersion: String(rv) } });
    this.emit({ resourceVersion: rv, type: 'DELETED', object: gone });
    return structuredClone(gone);
  }

  /** Events after `rv`, or undefined when history before it was compacted (→ 410). */
  eventsSince(rv: number): StoredEvent[] | undefined {
    if (rv < this.compactedRevision) return undefined;
    return this.log.filter((e) => e.resourceVersion > rv);
  }

  compact(): void {
    this.compactedRevision = this.currentRevision();
    this.log.length = 0;
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: StoredEvent): void {
    this.log.push(event);
    for (const listener of this.listeners) listener(event);
  }
}
