import { CoordinationV1Api, KubeConfig, V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { kubeStatusOf, withTimeout } from '../kube/kube-access';

/** The fields of a coordination.k8s.io/v1 Lease that leader election reads and writes. */
export interface LeaderRecord {
  /** Empty: nobody holds the lease (released), any candidate may take it at once. */
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** Epoch milliseconds; written as MicroTime. */
  acquireTime: number;
  renewTime: number;
  leaseTransitions: number;
}

export interface ObservedLease {
  record: LeaderRecord;
  resourceVersion: string;
  /** What changes whenever anyone writes the lease; followers time expiry from its last change. */
  fingerprint: string;
}

/** Why a write did not land. `conflict`: another writer won the race (409), not an error. */
export class LeaseWriteConflict extends Error {}

/**
 * The lock leader election runs on. `get` answers undefined for a missing
 * lease; `create` and `update` throw LeaseWriteConflict on 409 (AlreadyExists,
 * or a stale resourceVersion: updates are compare-and-swap).
 */
export interface LeaseLock {
  readonly description: string;
  get(): Promise<ObservedLease | undefined>;
  create(record: LeaderRecord): Promise<ObservedLease>;
  update(record: LeaderRecord, resourceVersion: string): Promise<ObservedLease>;
}

const toMillis = (value: unknown): number => {
  // client-node leaves MicroTime as the wire string (its serializer does not know the type).
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return Date.parse(value);
  return 0;
};

function observe(lease: V1Lease): ObservedLease {
  const spec = lease.spec ?? {};
  const record: LeaderRecord = {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: toMillis(spec.acquireTime),
    renewTime: toMillis(spec.renewTime),
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
  const resourceVersion = lease.metadata?.resourceVersion ?? '';
  return { record, resourceVersion, fingerprint: `${resourceVersion}|${record.holderIdentity}|${String(spec.renewTime)}` };
}

/** A Lease in the agent's namespace through client-node's CoordinationV1Api. */
export class KubeLeaseLock implements LeaseLock {
  private readonly api: CoordinationV1Api;

  constructor(
    config: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
    private readonly timeoutMs: number,
  ) {
    this.api = config.makeApiClient(CoordinationV1Api);
  }

  get description(): string {
    return `Lease ${this.namespace}/${this.name}`;
  }

  async get(): Promise<ObservedLease | undefined> {
    try {
      return observe(await withTimeout(this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }), this.timeoutMs, 'get lease'));
    } catch (error) {
      if (kubeStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async create(record: LeaderRecord): Promise<ObservedLease> {
    return this.write(() => this.api.createNamespacedLease({ namespace: this.namespace, body: this.body(record) }), 'create lease');
  }

  async update(record: LeaderRecord, resourceVersion: string): Promise<ObservedLease> {
    return this.write(() => this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body: this.body(record, resourceVersion) }), 'update lease');
  }

  private async write(call: () => Promise<V1Lease>, what: string): Promise<ObservedLease> {
    try {
      return observe(await withTimeout(call(), this.timeoutMs, what));
    } catch (error) {
      if (kubeStatusOf(error) === 409) throw new LeaseWriteConflict(`${what}: ${this.description} was written by another candidate`);
      throw error;
    }
  }

  private body(r: LeaderRecord, resourceVersion?: string): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, ...(resourceVersion ? { resourceVersion } : {}) },
      spec: {
        holderIdentity: r.holderIdentity,
        leaseDurationSeconds: r.leaseDurationSeconds,
        // V1MicroTime, not Date: the apiserver parses RFC3339 with exactly six fractional digits.
        acquireTime: new V1MicroTime(r.acquireTime),
        renewTime: new V1MicroTime(r.renewTime),
        leaseTransitions: r.leaseTransitions,
      },
    };
  }
}
