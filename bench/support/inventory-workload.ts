// A realistic stream of pod deltas for one agent: workloads spread over
// namespaces, three containers per pod (app, istio-proxy sidecar, init), real
// looking references and digests, and a live set of pods that churn (new pods,
// status updates, deletes that close intervals).
import { createHash, randomUUID } from 'node:crypto';
import type { InventoryBatch, PodDelta } from '@vigil/agent-protocol';
import { seededRandom } from './stats';

export const NAMESPACES = [
  'payments', 'checkout', 'cart', 'catalog', 'search', 'recommendations', 'identity', 'accounts',
  'notifications', 'shipping', 'inventory', 'pricing', 'fraud', 'ledger', 'reporting', 'data-pipeline',
  'ml-serving', 'feature-store', 'gateway', 'web', 'mobile-bff', 'partner-api', 'support', 'cms',
  'monitoring', 'logging', 'ingress-nginx', 'cert-manager', 'kube-system', 'istio-system',
] as const;

const WORKLOAD_WORDS = ['api', 'worker', 'consumer', 'scheduler', 'frontend', 'backend', 'sync', 'indexer', 'exporter', 'proxy', 'cache', 'gateway'];
const SIDECAR_REF = 'docker.io/istio/proxyv2:1.22.3';
const INIT_REF = 'registry.acme.example/platform/config-init:2.4.1';

export function digestOf(seed: string): string {
  return `sha256:${createHash('sha256').update(seed).digest('hex')}`;
}

interface Workload {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob';
  name: string;
  namespace: string;
  appRef: string;
  appDigest: string;
  rsHash: string;
}

interface LivePod {
  uid: string;
  name: string;
  node: string;
  workload: Workload;
  startedAt: string;
}

const ALNUM = 'bcdfghjklmnpqrstvwxz2456789';

function token(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[Math.floor(rand() * ALNUM.length)];
  return s;
}

function makeWorkloads(rand: () => number, clusterTag: string, count: number): Workload[] {
  const out: Workload[] = [];
  for (let i = 0; i < count; i++) {
    const namespace = NAMESPACES[Math.floor(rand() * NAMESPACES.length)];
    const r = rand();
    const kind: Workload['kind'] = r < 0.7 ? 'Deployment' : r < 0.8 ? 'StatefulSet' : r < 0.9 ? 'DaemonSet' : 'CronJob';
    const name = `${namespace.split('-')[0]}-${WORKLOAD_WORDS[Math.floor(rand() * WORKLOAD_WORDS.length)]}-${i}`;
    const version = `${1 + Math.floor(rand() * 4)}.${Math.floor(rand() * 30)}.${Math.floor(rand() * 10)}`;
    out.push({
      kind,
      name,
      namespace,
      appRef: `registry.acme.example/${namespace}/${name}:${version}`,
      appDigest: digestOf(`${clusterTag}/${name}@${version}`),
      rsHash: token(rand, 10),
    });
  }
  return out;
}

function ownerOf(w: Workload, rand: () => number): Pick<PodDelta, 'owner' | 'ownerReferences'> {
  switch (w.kind) {
    case 'Deployment':
      return {
        owner: { kind: 'Deployment', name: w.name },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${w.name}-${w.rsHash}`, uid: randomUUID(), controller: true, blockOwnerDeletion: true }],
      };
    case 'CronJob': {
      const job = `${w.name}-${28_000_000 + Math.floor(rand() * 1_000_000)}`;
      return {
        owner: { kind: 'CronJob', name: w.name },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job, uid: randomUUID(), controller: true, blockOwnerDeletion: true }],
      };
    }
    default:
      return {
        owner: { kind: w.kind, name: w.name },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: w.kind, name: w.name, uid: randomUUID(), controller: true, blockOwnerDeletion: true }],
      };
  }
}

/** One cluster's agent: produces delta batches with consecutive sequence numbers. */
export class AgentWorkload {
  private readonly rand: () => number;
  private readonly workloads: Workload[];
  private readonly live: LivePod[] = [];
  private sequence = 0;
  readonly sidecarDigest: string;
  readonly initDigest: string;

  constructor(readonly agentId: string, seed: number, workloadCount = 400) {
    this.rand = seededRandom(seed);
    this.workloads = makeWorkloads(this.rand, agentId, workloadCount);
    this.sidecarDigest = digestOf(SIDECAR_REF);
    this.initDigest = digestOf(INIT_REF);
  }

  private containers(pod: LivePod, at: string, terminated: boolean): PodDelta['containers'] {
    const initDone = new Date(Date.parse(pod.startedAt) + 4_000).toISOString();
    return [
      { name: 'config-init', type: 'init', image: INIT_REF, imageDigest: this.initDigest, startedAt: pod.startedAt, terminatedAt: initDone },
      { name: 'app', type: 'container', image: pod.workload.appRef, imageDigest: pod.workload.appDigest, startedAt: initDone, ...(terminated ? { terminatedAt: at } : {}) },
      { name: 'istio-proxy', type: 'container', image: SIDECAR_REF, imageDigest: this.sidecarDigest, startedAt: initDone, ...(terminated ? { terminatedAt: at } : {}) },
    ];
  }

  private newPod(at: Date): LivePod {
    const w = this.workloads[Math.floor(this.rand() * this.workloads.length)];
    const name = w.kind === 'StatefulSet' ? `${w.name}-${Math.floor(this.rand() * 50)}-${token(this.rand, 3)}` : `${w.name}-${w.rsHash}-${token(this.rand, 5)}`;
    const node = `ip-10-${Math.floor(this.rand() * 4)}-${Math.floor(this.rand() * 256)}-${Math.floor(this.rand() * 256)}.eu-west-1.compute.internal`;
    return { uid: randomUUID(), name, node, workload: w, startedAt: new Date(at.getTime() - Math.floor(this.rand() * 60_000)).toISOString() };
  }

  private delta(op: 'upsert' | 'delete', pod: LivePod, at: string): PodDelta {
    return {
      op,
      uid: pod.uid,
      namespace: pod.workload.namespace,
      name: pod.name,
      node: pod.node,
      ...ownerOf(pod.workload, this.rand),
      observedAt: at,
      containers: this.containers(pod, at, op === 'delete'),
    };
  }

  /**
   * What an agent sends first (the platform asks a new agent for one): a
   * one-part snapshot listing `pods` new pods.
   */
  snapshotBatch(pods: number, at = new Date()): InventoryBatch {
    const iso = at.toISOString();
    const out: PodDelta[] = [];
    for (let i = 0; i < pods; i++) {
      const pod = this.newPod(at);
      this.live.push(pod);
      out.push(this.delta('upsert', pod, iso));
    }
    this.sequence += 1;
    return { agentId: this.agentId, sequence: this.sequence, kind: 'snapshot', snapshot: { id: `${this.agentId}-snap-${this.sequence}`, part: 0, last: true }, sentAt: iso, pods: out };
  }

  /**
   * The next delta batch of `pods` pod events. Until the cluster has a few
   * thousand live pods most events are new pods; then the mix is 60% new pods,
   * 20% updates of live pods, 20% deletes.
   */
  nextBatch(pods: number, at = new Date()): InventoryBatch {
    const iso = at.toISOString();
    const out: PodDelta[] = [];
    const touched = new Set<string>();
    for (let i = 0; i < pods; i++) {
      const r = this.rand();
      const warm = this.live.length > 2000;
      if (warm && r < 0.2) {
        const idx = Math.floor(this.rand() * this.live.length);
        const pod = this.live[idx];
        if (!touched.has(pod.uid)) {
          touched.add(pod.uid);
          this.live[idx] = this.live[this.live.length - 1];
          this.live.pop();
          out.push(this.delta('delete', pod, iso));
          continue;
        }
      } else if (warm && r < 0.4) {
        const pod = this.live[Math.floor(this.rand() * this.live.length)];
        if (!touched.has(pod.uid)) {
          touched.add(pod.uid);
          out.push(this.delta('upsert', pod, iso));
          continue;
        }
      }
      const pod = this.newPod(at);
      touched.add(pod.uid);
      this.live.push(pod);
      out.push(this.delta('upsert', pod, iso));
    }
    this.sequence += 1;
    return { agentId: this.agentId, sequence: this.sequence, kind: 'delta', sentAt: iso, pods: out };
  }
}

export const OBSERVATION_COLUMNS = [
  'org_id', 'cluster_id', 'pod_uid', 'namespace', 'pod_name', 'workload_kind', 'workload_name', 'node',
  'container_name', 'container_type', 'image_ref', 'image_digest', 'first_seen', 'last_seen', 'running',
] as const;

export type ObservationRow = [string, string, string, string, string, string | null, string | null, string | null, string, string, string, string, string, string, boolean];

/**
 * The rows the batches amount to, one per container observation (the same
 * count the API path is credited with), for the raw-insert baselines. A key
 * seen again (an update or delete of a pod) gets a distinct pod uid so every
 * row is an insert, as in a plain bulk load.
 */
export function rowsOf(orgId: string, clusterId: string, batches: readonly InventoryBatch[], seenKeys = new Set<string>()): ObservationRow[] {
  const rows: ObservationRow[] = [];
  for (const batch of batches) {
    for (const pod of batch.pods) {
      for (const c of pod.containers) {
        let uid = pod.uid;
        for (let n = 1; seenKeys.has(`${uid}/${c.name}`) && n < 1000; n++) uid = `${pod.uid}-${n}`;
        seenKeys.add(`${uid}/${c.name}`);
        const first = c.startedAt ?? pod.observedAt;
        const last = c.terminatedAt ?? pod.observedAt;
        rows.push([
          orgId, clusterId, uid, pod.namespace, pod.name, pod.owner?.kind ?? null, pod.owner?.name ?? null, pod.node ?? null,
          c.name, c.type, c.image, c.imageDigest, first, last, pod.op === 'upsert' && !c.terminatedAt,
        ]);
      }
    }
  }
  return rows;
}
