import { ListWatch, V1Pod, V1PodList } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { PodDelta, WorkloadOwner } from '@vigil/agent-protocol';
import type { AgentMetrics } from '../health/agent-metrics';
import { KubeClients, kubeStatusOf, withTimeout } from '../kube/kube-access';
import { BookmarkingWatch } from './bookmarking-watch';
import type { InventoryQueue } from './inventory-queue';
import type { OwnerResolver } from './owner-resolver';
import { ownerReferencesOf, projectionKey, projectPod } from './pod-projection';

export interface PodInventoryOptions {
  idleTimeoutMs: number;
  onHealth: (state: 'ok' | 'degraded' | 'down', detail?: string) => void;
}

interface Known {
  delta: PodDelta;
  key: string;
}

const LIST_PAGE_SIZE = 500;
const OWNER_PREFETCH_CONCURRENCY = 8;
const WATCH_TIMEOUT_SECONDS = 300;

/**
 * The pod informer (all namespaces) turned into deltas. Every list — the
 * first, a relist after 410 Gone, a restart — is reconciled against what the
 * agent last reported, so pods that vanished while it was not watching are
 * reported deleted. A watchdog restarts a watch that went silent (no event, no
 * bookmark), and an errored informer is restarted with backoff: client-node's
 * ListWatch only restarts itself on a clean end or a 410.
 */
export class PodInventory {
  private readonly pods = new Map<string, Known>();
  private informer?: ListWatch<V1Pod>;
  private watchController?: AbortController;
  private generation = 0;
  private chain: Promise<void> = Promise.resolve();
  private synced = false;
  private stopped = true;
  private lastActivity = Date.now();
  private watchdog?: NodeJS.Timeout;
  private restartTimer?: NodeJS.Timeout;
  private restartAttempts = 0;

  constructor(
    private readonly kube: KubeClients,
    private readonly owners: OwnerResolver,
    private readonly queue: InventoryQueue,
    private readonly metrics: AgentMetrics,
    private readonly log: Logger,
    private readonly o: PodInventoryOptions,
  ) {}

  get isSynced(): boolean {
    return this.synced;
  }

  start(): void {
    this.stopped = false;
    this.o.onHealth('down', 'initial pod list pending');
    this.launch();
    this.watchdog = setInterval(() => this.checkIdle(), Math.max(50, Math.floor(this.o.idleTimeoutMs / 4)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watchdog);
    clearTimeout(this.restartTimer);
    this.halt();
    await this.chain;
  }

  /** Live pods as last seen, for snapshots. */
  currentPods(): PodDelta[] {
    const observedAt = new Date().toISOString();
    return [...this.pods.values()].map((k) => ({ ...k.delta, op: 'upsert' as const, observedAt }));
  }

  /** Pods of a workload, from the informer's view (a bare pod is its own workload). */
  podsOfWorkload(namespace: string, workload: WorkloadOwner): Array<{ name: string; uid: string }> {
    return [...this.pods.values()]
      .map((k) => k.delta)
      .filter((d) => d.namespace === namespace)
      .filter((d) => (d.owner ? d.owner.kind === workload.kind && d.owner.name === workload.name : workload.kind === 'Pod' && d.name === workload.name))
      .map((d) => ({ name: d.name, uid: d.uid }));
  }

  private launch(): void {
    const gen = ++this.generation;
    const current = () => gen === this.generation && !this.stopped;
    const watch = new BookmarkingWatch(
      this.kube.config,
      {
        onActivity: (type, obj) => {
          if (!current()) return;
          this.lastActivity = Date.now();
          if (type === 'ERROR' && (obj as { code?: number })?.code === 410) {
            this.metrics.watchRestarts.inc({ reason: 'gone' });
            this.log.info('watch history expired (410 Gone); relisting');
          }
        },
        onConnected: (controller) => {
          if (!current()) return controller.abort();
          this.watchController = controller;
          this.lastActivity = Date.now();
          this.o.onHealth(this.synced ? 'ok' : 'down', this.synced ? undefined : 'initial pod list pending');
        },
      },
      WATCH_TIMEOUT_SECONDS,
    );
    const informer = new ListWatch<V1Pod>('/api/v1/pods', watch, () => this.listAndReconcile(gen), false);
    informer.on('add', (pod) => current() && this.enqueue(() => this.upsert(pod)));
    informer.on('update', (pod) => current() && this.enqueue(() => this.upsert(pod)));
    informer.on('delete', (pod) => current() && this.enqueue(() => this.remove(pod)));
    informer.on('error', (err) => current() && this.scheduleRestart('error', err));
    this.informer = informer;
    this.lastActivity = Date.now();
    informer.start().catch((err: unknown) => current() && this.scheduleRestart('error', err));
  }

  private halt(): void {
    this.generation += 1;
    const informer = this.informer;
    this.informer = undefined;
    this.watchController?.abort();
    this.watchController = undefined;
    void informer?.stop().catch(() => undefined);
  }

  private scheduleRestart(reason: 'error' | 'idle', err?: unknown): void {
    if (this.stopped) return;
    this.halt();
    this.metrics.watchRestarts.inc({ reason });
    this.restartAttempts += 1;
    const delay = reason === 'idle' ? 0 : Math.min(30_000, 250 * 2 ** Math.min(this.restartAttempts, 7));
    const detail = `pod watch restarting (${reason}${err ? `: ${(err as Error)?.message ?? String(err)}` : ''})`;
    this.log.warn({ reason, delay, status: kubeStatusOf(err) }, detail);
    this.o.onHealth(this.synced ? 'degraded' : 'down', detail);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => !this.stopped && this.launch(), delay);
  }

  private checkIdle(): void {
    if (this.stopped || !this.informer) return;
    if (Date.now() - this.lastActivity > this.o.idleTimeoutMs) this.scheduleRestart('idle');
  }

  /** Informer events run one at a time, in order; a failing one is logged and skipped. */
  private enqueue(task: () => Promise<void> | void): Promise<void> {
    const run = this.chain.then(task).catch((error: unknown) => {
      this.metrics.handlerErrors.inc({ component: 'inventory' });
      this.log.error({ err: error }, 'pod event handler failed');
    });
    this.chain = run;
    return run;
  }

  private async listAndReconcile(gen: number): Promise<V1PodList> {
    const list = await this.listAllPods();
    if (gen !== this.generation) throw new Error('informer superseded');
    await this.enqueue(() => this.reconcile(list.items));
    this.restartAttempts = 0;
    this.lastActivity = Date.now();
    return list;
  }

  private async listAllPods(): Promise<V1PodList> {
    const t = this.kube.timeoutMs;
    try {
      let page = await withTimeout(this.kube.core.listPodForAllNamespaces({ limit: LIST_PAGE_SIZE }), t, 'list pods');
      const items = [...page.items];
      const resourceVersion = page.metadata?.resourceVersion;
      while (page.metadata?._continue) {
        page = await withTimeout(this.kube.core.listPodForAllNamespaces({ limit: LIST_PAGE_SIZE, _continue: page.metadata._continue }), t, 'list pods');
        items.push(...page.items);
      }
      return { ...page, items, metadata: { ...page.metadata, resourceVersion, _continue: undefined } };
    } catch (error) {
      // An expired continue token (410) restarts the list in one piece, as client-go's pager does.
      if (kubeStatusOf(error) !== 410) throw error;
      return withTimeout(this.kube.core.listPodForAllNamespaces(), t, 'list pods');
    }
  }

  private async reconcile(items: V1Pod[]): Promise<void> {
    const queue = [...items];
    const workers = Array.from({ length: OWNER_PREFETCH_CONCURRENCY }, async () => {
      for (let pod = queue.shift(); pod; pod = queue.shift()) {
        await this.owners.prefetch(pod.metadata?.namespace ?? '', ownerReferencesOf(pod));
        this.lastActivity = Date.now();
      }
    });
    await Promise.all(workers);
    const seen = new Set<string>();
    for (const pod of items) {
      if (pod.metadata?.uid) seen.add(pod.metadata.uid);
      this.record(pod);
    }
    const now = new Date().toISOString();
    for (const [uid, known] of this.pods) {
      if (seen.has(uid)) continue;
      // Deleted while we were not watching: report it with its last known containers.
      this.pods.delete(uid);
      this.queue.push({ ...known.delta, op: 'delete', observedAt: now });
    }
    if (!this.synced) {
      this.synced = true;
      this.queue.requestSnapshot();
      this.log.info({ pods: this.pods.size }, 'pod inventory synced');
    }
    this.o.onHealth('ok');
  }

  private async upsert(pod: V1Pod): Promise<void> {
    await this.owners.prefetch(pod.metadata?.namespace ?? '', ownerReferencesOf(pod));
    this.record(pod);
  }

  /** Stores the pod's projection; a change becomes a delta (the first list becomes the snapshot instead). */
  private record(pod: V1Pod): void {
    const ns = pod.metadata?.namespace ?? '';
    const delta = projectPod(pod, 'upsert', this.owners.resolve(ns, ownerReferencesOf(pod)), new Date());
    if (!delta) {
      this.log.warn({ namespace: ns, name: pod.metadata?.name }, 'pod cannot be described in the protocol; skipped');
      return;
    }
    const key = projectionKey(delta);
    if (this.pods.get(delta.uid)?.key === key) return;
    this.pods.set(delta.uid, { delta, key });
    if (this.synced) this.queue.push(delta);
  }

  private remove(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    const known = uid ? this.pods.get(uid) : undefined;
    // Unknown pods have no interval to close (and a relist already reported it).
    if (!known || !uid) return;
    this.pods.delete(uid);
    const last = projectPod(pod, 'delete', known.delta.owner, new Date());
    this.queue.push({ ...known.delta, op: 'delete', observedAt: new Date().toISOString(), containers: last?.containers.length ? last.containers : known.delta.containers });
  }
}
