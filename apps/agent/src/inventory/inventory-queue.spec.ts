import type { PodDelta } from '@vigil/agent-protocol';
import { InventoryQueue, snapshotParts } from './inventory-queue';

const pod = (uid: string, containers = 1): PodDelta => ({
  op: 'upsert',
  uid,
  namespace: 'ns',
  name: uid,
  observedAt: '2024-01-01T00:00:00Z',
  containers: Array.from({ length: containers }, (_, i) => ({ name: `c${i}`, type: 'container' as const, image: 'i', imageDigest: `sha256:${'a'.repeat(64)}` })),
});

describe('InventoryQueue', () => {
  it('keeps deltas and snapshot markers in order and batches within limits', () => {
    const q = new InventoryQueue(100);
    q.push(pod('1'));
    q.push(pod('2'));
    q.requestSnapshot();
    q.requestSnapshot();
    q.push(pod('3'));
    expect(q.take(1)).toEqual({ kind: 'delta', pods: [pod('1')] });
    expect(q.take()).toEqual({ kind: 'delta', pods: [pod('2')] });
    expect(q.take()).toEqual({ kind: 'snapshot' });
    expect(q.take()).toEqual({ kind: 'delta', pods: [pod('3')] });
    expect(q.take()).toBeUndefined();
  });

  it('replaces the backlog with one snapshot on overflow', () => {
    const q = new InventoryQueue(2);
    q.push(pod('1'));
    q.push(pod('2'));
    q.push(pod('3'));
    expect(q.overflows).toBe(1);
    expect(q.size).toBe(0);
    expect(q.take()).toEqual({ kind: 'snapshot' });
    expect(q.take()).toBeUndefined();
  });

  it('splits snapshots by pod and container limits, and sends an empty one for an empty cluster', () => {
    expect(snapshotParts([pod('1', 3), pod('2', 3), pod('3', 1)], 10, 4).map((p) => p.map((x) => x.uid))).toEqual([['1'], ['2', '3']]);
    expect(snapshotParts([])).toEqual([[]]);
  });
});
