import { PodDelta, PROTOCOL_LIMITS } from '@vigil/agent-protocol';

export type QueueUnit = { kind: 'delta'; pods: PodDelta[] } | { kind: 'snapshot' };

type Item = { kind: 'delta'; delta: PodDelta } | { kind: 'snapshot' };

/**
 * Pod deltas waiting for the platform, in order, bounded. A snapshot request is
 * a marker in the same queue, so deltas before it are sent before it and the
 * snapshot is built from the state at the moment it is its turn. On overflow
 * the backlog is dropped and replaced by one snapshot: the platform then learns
 * the current state instead of silently missing the dropped deltas.
 */
export class InventoryQueue {
  private items: Item[] = [];
  private deltaCount = 0;
  overflows = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.deltaCount;
  }

  get snapshotPending(): boolean {
    return this.items.some((i) => i.kind === 'snapshot');
  }

  push(delta: PodDelta): void {
    if (this.deltaCount >= this.capacity) {
      this.items = [{ kind: 'snapshot' }];
      this.deltaCount = 0;
      this.overflows += 1;
      // The snapshot describes this delta's result too, once built.
      return;
    }
    this.items.push({ kind: 'delta', delta });
    this.deltaCount += 1;
  }

  /** Drops everything waiting (the platform will not take it from this replica). */
  clear(): void {
    this.items = [];
    this.deltaCount = 0;
  }

  /** At most one pending snapshot: a second would describe the same state. */
  requestSnapshot(): void {
    if (!this.snapshotPending) this.items.push({ kind: 'snapshot' });
  }

  /** The next unit to send: a snapshot marker, or consecutive deltas within the protocol's batch limits. */
  take(maxPods: number = PROTOCOL_LIMITS.maxPodsPerBatch, maxContainers: number = PROTOCOL_LIMITS.maxContainersPerBatch): QueueUnit | undefined {
    const head = this.items[0];
    if (!head) return undefined;
    if (head.kind === 'snapshot') {
      this.items.shift();
      return { kind: 'snapshot' };
    }
    const pods: PodDelta[] = [];
    let containers = 0;
    while (this.items.length && pods.length < maxPods) {
      const next = this.items[0]!;
      if (next.kind !== 'delta') break;
      if (pods.length > 0 && containers + next.delta.containers.length > maxContainers) break;
      pods.push(next.delta);
      containers += next.delta.containers.length;
      this.items.shift();
    }
    this.deltaCount -= pods.length;
    return { kind: 'delta', pods };
  }
}

/** Splits a full state into snapshot parts within the batch limits (each pod once, upserts only). */
export function snapshotParts(pods: PodDelta[], maxPods: number = PROTOCOL_LIMITS.maxPodsPerBatch, maxContainers: number = PROTOCOL_LIMITS.maxContainersPerBatch): PodDelta[][] {
  const parts: PodDelta[][] = [];
  let current: PodDelta[] = [];
  let containers = 0;
  for (const pod of pods) {
    if (current.length >= maxPods || (current.length > 0 && containers + pod.containers.length > maxContainers)) {
      parts.push(current);
      current = [];
      containers = 0;
    }
    current.push(pod);
    containers += pod.containers.length;
  }
  parts.push(current);
  return parts;
}
