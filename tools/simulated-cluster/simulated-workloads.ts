import { createHash } from 'node:crypto';
import type { FakeKubeApiServer } from './fake-kube-apiserver';
import type { KubeObject } from './kube-object-store';
import { podFixture } from './pod-fixture';

/** A stable, realistic-looking digest per image reference (the simulated registry's answer). */
export function simulatedDigest(image: string): string {
  return `sha256:${createHash('sha256').update(image).digest('hex')}`;
}

const NODES = ['node-a', 'node-b', 'node-c'];
const kubeTime = () => new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');

interface Deployment {
  namespace: string;
  name: string;
  replicas: number;
  repository: string;
  versions: string[];
  version: number;
  uid: string;
  rs?: { name: string; uid: string };
  pods: string[];
}

interface ScheduledJob {
  namespace: string;
  name: string;
  image: string;
  uid: string;
  run?: { job: string; pod: string; startedAt: string };
}

/**
 * What a small production cluster looks like to the agent: Deployments with
 * their ReplicaSets and pods, a StatefulSet, a DaemonSet on every node, and a
 * CronJob. `tick()` makes one change a real cluster makes all day: a pod
 * replaced, a rollout to the next image version, a CronJob run starting or
 * finishing. Used by `npm run demo`.
 */
export class SimulatedWorkloads {
  private readonly deployments: Deployment[] = [
    { namespace: 'shop', name: 'storefront', replicas: 3, repository: 'ghcr.io/acme/storefront', versions: ['2.4.0', '2.4.1', '2.5.0', '2.5.1'], version: 0, uid: 'dep-storefront', pods: [] },
    { namespace: 'shop', name: 'checkout', replicas: 2, repository: 'ghcr.io/acme/checkout', versions: ['1.12.3', '1.13.0', '1.13.1'], version: 0, uid: 'dep-checkout', pods: [] },
    { namespace: 'shop', name: 'redis', replicas: 1, repository: 'docker.io/library/redis', versions: ['7.2.4', '7.2.5'], version: 0, uid: 'dep-redis', pods: [] },
    { namespace: 'ingress', name: 'ingress-nginx-controller', replicas: 2, repository: 'registry.k8s.io/ingress-nginx/controller', versions: ['v1.10.1', 'v1.11.2'], version: 0, uid: 'dep-ingress', pods: [] },
  ];
  private readonly cronJob: ScheduledJob = { namespace: 'batch', name: 'nightly-report', image: 'ghcr.io/acme/report-builder:0.9.2', uid: 'cj-nightly-report' };
  private timer?: NodeJS.Timeout;
  private counter = 0;
  readonly changes: string[] = [];

  constructor(
    private readonly kube: FakeKubeApiServer,
    private readonly random: () => number = Math.random,
  ) {}

  seed(): void {
    for (const d of this.deployments) this.rollout(d, false);
    // A StatefulSet: stable pod names, owned directly (no ReplicaSet).
    for (let i = 0; i < 2; i++) {
      this.pod('payments', `ledger-${i}`, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'ledger', uid: 'sts-ledger' }, 'postgres', 'docker.io/library/postgres:16.3', NODES[i]!);
    }
    // A DaemonSet: one pod per node.
    for (const node of NODES) {
      this.pod('monitoring', `node-exporter-${this.suffix()}`, { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'node-exporter', uid: 'ds-node-exporter' }, 'node-exporter', 'quay.io/prometheus/node-exporter:v1.8.1', node);
    }
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One change, chosen at random among what clusters do. */
  tick(): string {
    const roll = this.random();
    let change: string;
    if (this.cronJob.run || roll < 0.15) change = this.cronJobStep();
    else if (roll < 0.35) change = this.rollout(this.pick(this.deployments), true);
    else change = this.replacePod(this.pick(this.deployments));
    this.changes.push(change);
    if (this.changes.length > 100) this.changes.shift();
    return change;
  }

  private pick<T>(xs: T[]): T {
    return xs[Math.floor(this.random() * xs.length)]!;
  }

  private suffix(): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    return Array.from({ length: 5 }, () => alphabet[Math.floor(this.random() * alphabet.length)]).join('');
  }

  private pod(namespace: string, name: string, owner: { apiVersion: string; kind: string; name: string; uid: string }, container: string, image: string, node: string, labels: Record<string, string> = {}): KubeObject {
    return this.kube.pods.upsert(
      podFixture({ namespace, name, node, owner, labels: { app: owner.name, ...labels }, containers: [{ name: container, image, digest: simulatedDigest(image), startedAt: kubeTime() }] }),
    );
  }

  private image(d: Deployment): string {
    return `${d.repository}:${d.versions[d.version]}`;
  }

  /** A new ReplicaSet for the next version replaces every pod of the Deployment (a rollout). */
  private rollout(d: Deployment, next: boolean): string {
    if (next) d.version = (d.version + 1) % d.versions.length;
    const hash = createHash('sha256').update(`${d.name}:${this.image(d)}:${this.counter++}`).digest('hex').slice(0, 10);
    const rs = { name: `${d.name}-${hash}`, uid: `rs-${d.name}-${hash}` };
    const container = d.name.split('-')[0]!;
    this.kube.deployments.upsert({
      metadata: { name: d.name, namespace: d.namespace, uid: d.uid, labels: { app: d.name } },
      spec: { replicas: d.replicas, selector: { matchLabels: { app: d.name } }, template: { metadata: { labels: { app: d.name } }, spec: { containers: [{ name: container, image: this.image(d) }] } } },
      status: { replicas: d.replicas, readyReplicas: d.replicas, updatedReplicas: d.replicas, availableReplicas: d.replicas },
    });
    this.kube.replicaSets.upsert({
      metadata: { name: rs.name, namespace: d.namespace, uid: rs.uid, labels: { app: d.name }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.name, uid: d.uid, controller: true }] },
      spec: { replicas: d.replicas, template: { spec: { containers: [{ name: container, image: this.image(d) }] } } },
    });
    const old = d.rs;
    for (const pod of d.pods) this.kube.pods.delete(d.namespace, pod);
    if (old) this.kube.replicaSets.delete(d.namespace, old.name);
    d.rs = rs;
    d.pods = Array.from({ length: d.replicas }, (_, i) => {
      const name = `${rs.name}-${this.suffix()}`;
      this.pod(d.namespace, name, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.name, uid: rs.uid }, container, this.image(d), NODES[i % NODES.length]!);
      return name;
    });
    return `rolled out ${d.namespace}/${d.name} to ${this.image(d)}`;
  }

  /** A pod dies (node drain, OOM, eviction) and its ReplicaSet replaces it. */
  private replacePod(d: Deployment): string {
    if (!d.rs || d.pods.length === 0) return this.rollout(d, false);
    const i = Math.floor(this.random() * d.pods.length);
    const gone = d.pods[i]!;
    this.kube.pods.delete(d.namespace, gone);
    const name = `${d.rs.name}-${this.suffix()}`;
    this.pod(d.namespace, name, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: d.rs.name, uid: d.rs.uid }, d.name.split('-')[0]!, this.image(d), this.pick(NODES));
    d.pods[i] = name;
    return `replaced pod ${d.namespace}/${gone} with ${name}`;
  }

  /** A CronJob run: a Job and its pod start; on the next step the pod completes and is cleaned up. */
  private cronJobStep(): string {
    const c = this.cronJob;
    if (c.run) {
      const { job, pod } = c.run;
      this.kube.pods.delete(c.namespace, pod);
      this.kube.jobs.delete(c.namespace, job);
      c.run = undefined;
      return `job ${c.namespace}/${job} completed`;
    }
    const job = `${c.name}-${Math.floor(Date.now() / 60_000)}`;
    const jobUid = `job-${job}-${this.counter++}`;
    this.kube.jobs.upsert({ metadata: { name: job, namespace: c.namespace, uid: jobUid, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: c.name, uid: c.uid, controller: true }] } });
    const pod = `${job}-${this.suffix()}`;
    this.pod(c.namespace, pod, { apiVersion: 'batch/v1', kind: 'Job', name: job, uid: jobUid }, 'report', c.image, this.pick(NODES));
    c.run = { job, pod, startedAt: kubeTime() };
    return `job ${c.namespace}/${job} started`;
  }
}
