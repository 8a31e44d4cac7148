import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeObject, KubeObjectStore, StoredEvent, WriteRefusal } from './kube-object-store';
import { apiDiscovery } from './kube-discovery';

export type { KubeObject } from './kube-object-store';

/** How a watch from a compacted resourceVersion fails; the real apiserver does both (watch cache vs etcd). */
export type ExpiredWatchMode = 'error-event' | 'http-410';

export interface FakeKubeApiServerOptions {
  /** Interval of BOOKMARK events for watches that asked for them; 0 sends only on `sendBookmarks()`. */
  bookmarkIntervalMs?: number;
  expiredWatchMode?: ExpiredWatchMode;
}

interface ActiveWatch {
  res: ServerResponse;
  store: KubeObjectStore;
  bookmarks: boolean;
  stalled: boolean;
  unsubscribe: () => void;
}

interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
}

/**
 * What a test makes the fake do to one request instead of serving it: answer
 * with an error Status, reset the connection, or never answer (a black hole,
 * so client timeouts are exercised). Hung requests are released at `stop()`.
 */
export type KubeFault = { kind: 'status'; code: number; reason: string } | { kind: 'reset' } | { kind: 'hang' };

/** A request as fault predicates see it; `body` is the parsed JSON of a create/update. */
export interface FaultableRequest extends RecordedRequest {
  body?: KubeObject;
}

/** One stored version of a Lease, with the fake's clock when it was written. */
export interface LeaseRecord {
  at: number;
  namespace: string;
  name: string;
  resourceVersion: string;
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: string;
  leaseTransitions?: number;
}

const RESOURCES: Record<string, { group: string; version: string; kind: string }> = {
  pods: { group: '', version: 'v1', kind: 'Pod' },
  secrets: { group: '', version: 'v1', kind: 'Secret' },
  replicasets: { group: 'apps', version: 'v1', kind: 'ReplicaSet' },
  deployments: { group: 'apps', version: 'v1', kind: 'Deployment' },
  jobs: { group: 'batch', version: 'v1', kind: 'Job' },
  leases: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
};

// /api/v1/pods, /api/v1/namespaces/ns/pods[/name], /apis/apps/v1/[namespaces/ns/]replicasets[/name]
const PATH = /^\/(?:api\/v1|apis\/(apps|batch|coordination\.k8s\.io)\/v1)(?:\/namespaces\/([^/]+))?\/(pods|secrets|replicasets|deployments|jobs|leases)(?:\/([^/]+))?$/;

/** Bodies of create/update are small objects; the real limit is 3 MiB. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

const isRefusal = (r: KubeObject | WriteRefusal): r is WriteRefusal => 'reason' in r && typeof r.reason === 'string' && !('metadata' in r);
const REFUSAL_STATUS: Record<WriteRefusal['reason'], number> = { AlreadyExists: 409, Conflict: 409, NotFound: 404 };

/**
 * What the apiserver does to a Secret before storing it: `stringData` is merged
 * into `data` (base64) and dropped, `data` must be base64, `type` defaults to Opaque.
 */
function normalizeSecret(object: KubeObject): KubeObject | string {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries((object.data as Record<string, unknown>) ?? {})) {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) return `Secret in version "v1" cannot be handled as a Secret: illegal base64 data in data.${k}`;
    data[k] = v;
  }
  for (const [k, v] of Object.entries((object.stringData as Record<string, unknown>) ?? {})) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  const { stringData: _dropped, ...rest } = object;
  return { ...rest, type: (object.type as string | undefined) ?? 'Opaque', data };
}

/** metav1.MicroTime: Go parses it with RFC3339Micro, so exactly six fractional digits. */
const MICRO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{6})(Z|[+-]\d{2}:\d{2})$/;

/**
 * What the apiserver does to a Lease: MicroTime fields that are not RFC3339
 * with microseconds are refused at decoding (400, as Go's time.Parse fails on
 * `2026-12-03T07:00:00.123Z`), stored times are re-emitted in UTC with six
 * digits, and validation refuses a non-positive duration or negative transitions (422).
 */
function normalizeLease(object: KubeObject): { ok: true; object: KubeObject } | { ok: false; code: number; reason: string; message: string } {
  const spec = { ...((object.spec as Record<string, unknown> | undefined) ?? {}) };
  for (const field of ['acquireTime', 'renewTime'] as const) {
    const value = spec[field];
    if (value === undefined || value === null) {
      delete spec[field];
      continue;
    }
    const m = typeof value === 'string' ? MICRO_TIME.exec(value) : null;
    if (!m) {
      return {
        ok: false,
        code: 400,
        reason: 'BadRequest',
        message: `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(String(value))} as "2006-01-02T15:04:05.000000Z07:00": cannot parse as RFC3339Micro`,
      };
    }
    const ms = Date.parse(`${m[1]}.${m[2]!.slice(0, 3)}${m[3]}`);
    spec[field] = `${new Date(ms).toISOString().slice(0, 19)}.${m[2]}Z`;
  }
  const duration = spec.leaseDurationSeconds;
  if (duration !== undefined && (!Number.isInteger(duration) || (duration as number) <= 0)) {
    return { ok: false, code: 422, reason: 'Invalid', message: `Lease.coordination.k8s.io "${object.metadata.name}" is invalid: spec.leaseDurationSeconds: Invalid value: ${String(duration)}: must be greater than 0` };
  }
  const transitions = spec.leaseTransitions;
  if (transitions !== undefined && (!Number.isInteger(transitions) || (transitions as number) < 0)) {
    return { ok: false, code: 422, reason: 'Invalid', message: `Lease.coordination.k8s.io "${object.metadata.name}" is invalid: spec.leaseTransitions: Invalid value: ${String(transitions)}: must be greater than or equal to 0` };
  }
  return { ok: true, object: { ...object, spec } };
}

/**
 * A kube-apiserver stand-in that behaves like the real one for what the agent
 * uses: list (with resourceVersion, limit/continue), chunked watch streams
 * (ADDED/MODIFIED/DELETED/BOOKMARK, headers flushed at once), 410 Gone for
 * compacted history, GET/DELETE of single objects, discovery and /version so
 * the real kubectl can be pointed at it. Test controls mutate state and break
 * connections the ways a real cluster does; `fault` fails chosen requests.
 * Leases (coordination.k8s.io/v1) are served with create/update semantics and
 * MicroTime checks, and every stored version is kept in `leaseHistory`.
 */
export class FakeKubeApiServer {
  readonly requests: RecordedRequest[] = [];
  /** Every stored version of every Lease, in order (who held it, and when the fake stored it). */
  readonly leaseHistory: LeaseRecord[] = [];
  /** Decides per request whether it fails instead of being served (undefined: served). */
  fault?: (request: FaultableRequest) => KubeFault | undefined;
  private readonly hung = new Set<ServerResponse>();
  private revision = 1000;
  private readonly stores: Record<string, KubeObjectStore>;
  private readonly watches = new Set<ActiveWatch>();
  private server?: Server;
  private bookmarkTimer?: NodeJS.Timeout;
  expiredWatchMode: ExpiredWatchMode;

  constructor(private readonly options: FakeKubeApiServerOptions = {}) {
    this.expiredWatchMode = options.expiredWatchMode ?? 'error-event';
    const next = () => ++this.revision;
    const current = () => this.revision;
    this.stores = {
      pods: new KubeObjectStore('Pod', 'v1', next, current),
      secrets: new KubeObjectStore('Secret', 'v1', next, current),
      replicasets: new KubeObjectStore('ReplicaSet', 'apps/v1', next, current),
      deployments: new KubeObjectStore('Deployment', 'apps/v1', next, current),
      jobs: new KubeObjectStore('Job', 'batch/v1', next, current),
      leases: new KubeObjectStore('Lease', 'coordination.k8s.io/v1', next, current),
    };
    this.leases.subscribe((e) => {
      if (e.type === 'DELETED') return;
      const spec = (e.object.spec ?? {}) as Record<string, unknown>;
      this.leaseHistory.push({
        at: Date.now(),
        namespace: e.object.metadata.namespace ?? '',
        name: e.object.metadata.name,
        resourceVersion: String(e.object.metadata.resourceVersion),
        holderIdentity: spec.holderIdentity as string | undefined,
        leaseDurationSeconds: spec.leaseDurationSeconds as number | undefined,
        renewTime: spec.renewTime as string | undefined,
        leaseTransitions: spec.leaseTransitions as number | undefined,
      });
    });
  }

  get leases(): KubeObjectStore {
    return this.stores.leases!;
  }

  get pods(): KubeObjectStore {
    return this.stores.pods!;
  }
  get replicaSets(): KubeObjectStore {
    return this.stores.replicasets!;
  }
  get jobs(): KubeObjectStore {
    return this.stores.jobs!;
  }
  get secrets(): KubeObjectStore {
    return this.stores.secrets!;
  }
  get deployments(): KubeObjectStore {
    return this.stores.deployments!;
  }

  /** Listens on 127.0.0.1 (`port` 0: a free one). */
  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    if (this.options.bookmarkIntervalMs) this.bookmarkTimer = setInterval(() => this.sendBookmarks(), this.options.bookmarkIntervalMs);
    return this.url;
  }

  get url(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    clearInterval(this.bookmarkTimer);
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    this.dropWatches();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A kubeconfig (as an object for KubeConfig.loadFromOptions, or YAML-compatible JSON for a file). */
  kubeconfig(): Record<string, unknown> {
    return {
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses plain http unless TLS verification is explicitly off.
      clusters: [{ name: 'fake', cluster: { server: this.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'fake', user: {} }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
      'current-context': 'fake',
    };
  }

  get activeWatchCount(): number {
    return this.watches.size;
  }

  countRequests(predicate: (r: RecordedRequest) => boolean): number {
    return this.requests.filter(predicate).length;
  }

  /** Forget history: watches and continue tokens from before now get 410 Gone. */
  compact(): void {
    for (const store of Object.values(this.stores)) store.compact();
  }

  /** Connection drops: every open watch is cut without a final event. */
  dropWatches(): void {
    for (const w of this.watches) {
      w.unsubscribe();
      w.res.destroy();
    }
    this.watches.clear();
  }

  /** The stall client-node users hit: the connection stays open and silent. */
  stallWatches(): void {
    for (const w of this.watches) {
      w.stalled = true;
      w.unsubscribe();
    }
  }

  /** Ends every watch cleanly, as the apiserver does at its watch timeout. */
  endWatches(): void {
    for (const w of this.watches) {
      w.unsubscribe();
      w.res.end();
    }
    this.watches.clear();
  }

  sendBookmarks(): void {
    for (const w of this.watches) {
      if (!w.bookmarks || w.stalled) continue;
      this.writeEvent(w.res, { type: 'BOOKMARK', object: { kind: w.store.kind, apiVersion: w.store.apiVersion, metadata: { resourceVersion: String(this.revision) } } });
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'POST' || req.method === 'PUT') {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY_BYTES) chunks.push(c);
      });
      req.on('end', () => this.route(req, res, size > MAX_BODY_BYTES ? null : Buffer.concat(chunks)));
      return;
    }
    this.route(req, res, undefined);
  }

  private route(req: IncomingMessage, res: ServerResponse, body: Buffer | null | undefined): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams.entries());
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query };
    this.requests.push(recorded);
    if (this.fault && this.injectFault(req, res, recorded, body)) return;
    try {
      const discovery = apiDiscovery(url.pathname, RESOURCES);
      if (discovery && req.method === 'GET') return this.json(res, 200, discovery);
      const match = PATH.exec(url.pathname);
      if (!match) return this.status(res, 404, 'NotFound', `the server could not find the requested resource`);
      const [, group, namespace, resource, name] = match;
      const meta = RESOURCES[resource!]!;
      if ((group ?? '') !== meta.group) return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
      const store = this.stores[resource!]!;
      if (name === undefined && req.method === 'GET') {
        return query.watch === 'true' || query.watch === '1' ? this.watch(res, store, namespace, query) : this.list(res, store, namespace, query);
      }
      if (name !== undefined && req.method === 'GET') {
        const obj = store.get(namespace, decodeURIComponent(name));
        return obj ? this.json(res, 200, obj) : this.status(res, 404, 'NotFound', `${resource} "${name}" not found`);
      }
      if ((name === undefined && req.method === 'POST') || (name !== undefined && req.method === 'PUT')) {
        if (namespace === undefined) return this.status(res, 405, 'MethodNotAllowed', `${req.method} needs a namespaced path`);
        // The fake speaks JSON only; the real apiserver answers 415 for a media type it does not serve.
        // (kubectl's typed generators such as `create secret generic` send protobuf; `create -f` sends JSON.)
        const type = (req.headers['content-type'] ?? '').split(';', 1)[0]!.trim();
        if (type !== 'application/json') {
          return this.status(res, 415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json`);
        }
        return this.write(res, store, resource!, namespace, name === undefined ? undefined : decodeURIComponent(name), body);
      }
      if (name !== undefined && req.method === 'DELETE') {
        req.resume();
        const gone = store.delete(namespace, decodeURIComponent(name));
        return gone ? this.json(res, 200, gone) : this.status(res, 404, 'NotFound', `${resource} "${name}" not found`);
      }
      return this.status(res, 405, 'MethodNotAllowed', `${req.method} is not supported by the fake`);
    } catch (error) {
      this.status(res, 500, 'InternalError', String(error));
    }
  }

  /** Applies `fault` to this request; true when the request was failed instead of served. */
  private injectFault(req: IncomingMessage, res: ServerResponse, recorded: RecordedRequest, body: Buffer | null | undefined): boolean {
    let parsed: KubeObject | undefined;
    try {
      parsed = body ? (JSON.parse(body.toString('utf8')) as KubeObject) : undefined;
    } catch {
      parsed = undefined;
    }
    const fault = this.fault?.({ ...recorded, body: parsed });
    if (!fault) return false;
    req.resume();
    if (fault.kind === 'status') this.status(res, fault.code, fault.reason, `injected fault: ${fault.reason}`);
    else if (fault.kind === 'reset') res.destroy();
    else {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
    }
    return true;
  }

  /** POST (create) or PUT (update) of one object, validated as the apiserver validates it. */
  private write(res: ServerResponse, store: KubeObjectStore, resource: string, namespace: string, pathName: string | undefined, raw: Buffer | null | undefined): void {
    if (!raw) return this.status(res, 413, 'RequestEntityTooLarge', 'Request entity too large');
    let object: KubeObject;
    try {
      object = JSON.parse(raw.toString('utf8')) as KubeObject;
    } catch {
      return this.status(res, 400, 'BadRequest', `the body of the request was in an unknown format - accepted media types include: application/json`);
    }
    if (!object || typeof object !== 'object' || typeof object.metadata !== 'object' || object.metadata === null) {
      return this.status(res, 422, 'Invalid', `${store.kind} is invalid: metadata.name: Required value: name or generateName is required`);
    }
    if (object.kind !== undefined && object.kind !== store.kind) return this.status(res, 400, 'BadRequest', `the kind "${String(object.kind)}" does not match ${store.kind}`);
    if (object.metadata.namespace !== undefined && object.metadata.namespace !== namespace) {
      return this.status(res, 400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    }
    if (pathName !== undefined && object.metadata.name !== pathName) {
      return this.status(res, 400, 'BadRequest', 'the name of the object does not match the name on the URL');
    }
    if (typeof object.metadata.name !== 'string' || !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(object.metadata.name)) {
      return this.status(res, 422, 'Invalid', `${store.kind} is invalid: metadata.name: Invalid value: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`);
    }
    let candidate: KubeObject = { ...object, metadata: { ...object.metadata, namespace } };
    if (store.kind === 'Secret') {
      const normalized = normalizeSecret(candidate);
      if (typeof normalized === 'string') return this.status(res, 400, 'BadRequest', normalized);
      candidate = normalized;
    }
    if (store.kind === 'Lease') {
      const normalized = normalizeLease(candidate);
      if (!normalized.ok) return this.status(res, normalized.code, normalized.reason, normalized.message);
      candidate = normalized.object;
    }
    // The apiserver names group resources with their group: `leases.coordination.k8s.io "x" already exists`.
    const group = RESOURCES[resource]!.group;
    const qualified = group ? `${resource}.${group}` : resource;
    const result = pathName === undefined ? store.create(candidate, qualified) : store.update(candidate, qualified);
    if (isRefusal(result)) {
      return this.json(res, REFUSAL_STATUS[result.reason], {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: result.message,
        reason: result.reason,
        details: { name: object.metadata.name, ...(group ? { group } : {}), kind: resource },
        code: REFUSAL_STATUS[result.reason],
      });
    }
    this.json(res, pathName === undefined ? 201 : 200, result);
  }

  private list(res: ServerResponse, store: KubeObjectStore, namespace: string | undefined, query: Record<string, string>): void {
    let listRevision = this.revision;
    let start = 0;
    if (query.continue) {
      const token = JSON.parse(Buffer.from(query.continue, 'base64url').toString('utf8')) as { rv: number; start: number };
      // Real apiserver: a continue token older than compaction is "410 Expired".
      if (token.rv < store.compactedRevision) return this.status(res, 410, 'Expired', 'The provided continue parameter is too old');
      listRevision = token.rv;
      start = token.start;
    } else if (query.resourceVersionMatch === 'Exact' && Number(query.resourceVersion) < store.compactedRevision) {
      return this.status(res, 410, 'Expired', `too old resource version: ${query.resourceVersion} (${store.compactedRevision})`);
    }
    const all = store.list(namespace);
    const limit = Number(query.limit) > 0 ? Number(query.limit) : all.length;
    const items = all.slice(start, start + limit);
    const more = start + limit < all.length;
    this.json(res, 200, {
      kind: `${store.kind}List`,
      apiVersion: store.apiVersion,
      metadata: {
        resourceVersion: String(listRevision),
        ...(more ? { continue: Buffer.from(JSON.stringify({ rv: listRevision, start: start + limit })).toString('base64url'), remainingItemCount: all.length - start - limit } : {}),
      },
      items,
    });
  }

  private watch(res: ServerResponse, store: KubeObjectStore, namespace: string | undefined, query: Record<string, string>): void {
    const rv = query.resourceVersion ? Number(query.resourceVersion) : 0;
    const replay = rv > 0 ? store.eventsSince(rv) : store.list(namespace).map((object): StoredEvent => ({ type: 'ADDED', object, resourceVersion: 0 }));
    if (!replay && this.expiredWatchMode === 'http-410') {
      return this.status(res, 410, 'Expired', `too old resource version: ${rv} (${store.compactedRevision})`);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // Without this, client-node waits for the first event before it considers the watch open.
    res.flushHeaders();
    if (!replay) {
      this.writeEvent(res, {
        type: 'ERROR',
        object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${rv} (${store.compactedRevision})`, reason: 'Expired', code: 410 },
      });
      res.end();
      return;
    }
    const inScope = (o: KubeObject) => namespace === undefined || o.metadata.namespace === namespace;
    for (const e of replay) if (inScope(e.object)) this.writeEvent(res, { type: e.type, object: e.object });
    const watch: ActiveWatch = {
      res,
      store,
      bookmarks: query.allowWatchBookmarks === 'true',
      stalled: false,
      unsubscribe: store.subscribe((e) => inScope(e.object) && this.writeEvent(res, { type: e.type, object: e.object })),
    };
    this.watches.add(watch);
    const timeout = Number(query.timeoutSeconds) > 0 ? setTimeout(() => res.end(), Number(query.timeoutSeconds) * 1000) : undefined;
    res.on('close', () => {
      clearTimeout(timeout);
      watch.unsubscribe();
      this.watches.delete(watch);
    });
  }

  private writeEvent(res: ServerResponse, event: { type: string; object: unknown }): void {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(event)}\n`);
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    this.json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  }
}
