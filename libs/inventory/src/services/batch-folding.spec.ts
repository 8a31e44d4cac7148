import type { InventoryBatch } from '@vigil/agent-protocol';
import { foldBatch } from './batch-folding';

const d = (n: number) => `sha256:${String(n).padStart(64, '0')}`;
const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 0, m)).toISOString();

function batch(pods: InventoryBatch['pods']): InventoryBatch {
  return { agentId: 'a', sequence: 1, kind: 'delta', sentAt: at(0), pods };
}

describe('foldBatch', () => {
  it('folds repeated deltas of one container into one row spanning them', () => {
    const folded = foldBatch(
      batch([
        { op: 'upsert', uid: 'p', namespace: 'n', name: 'p', observedAt: at(1), containers: [{ name: 'c', type: 'container', image: 'i', imageDigest: d(1), startedAt: at(0) }] },
        { op: 'upsert', uid: 'p', namespace: 'n', name: 'p', observedAt: at(5), containers: [{ name: 'c', type: 'container', image: 'i', imageDigest: d(1) }] },
      ]),
    );
    expect(folded.rows).toHaveLength(1);
    expect(folded.rows[0]).toEqual(expect.objectContaining({ firstSeen: new Date(at(0)), lastSeen: new Date(at(5)), running: true }));
    expect(folded.listedPods).toEqual([{ uid: 'p', at: new Date(at(5)) }]);
  });

  it('keeps a row per digest when an image changes, and ends terminated containers at their time', () => {
    const folded = foldBatch(
      batch([
        { op: 'upsert', uid: 'p', namespace: 'n', name: 'p', observedAt: at(1), containers: [{ name: 'c', type: 'container', image: 'i:1', imageDigest: d(1) }] },
        { op: 'upsert', uid: 'p', namespace: 'n', name: 'p', observedAt: at(2), containers: [
          { name: 'c', type: 'container', image: 'i:2', imageDigest: d(2) },
          { name: 'init', type: 'init', image: 'i:2', imageDigest: d(2), startedAt: at(0), terminatedAt: at(1) },
        ] },
      ]),
    );
    expect(folded.rows.map((r) => [r.containerName, r.imageDigest, r.running, r.lastSeen.toISOString()])).toEqual([
      ['c', d(1), true, at(1)],
      ['c', d(2), true, at(2)],
      ['init', d(2), false, at(1)],
    ]);
    // d(1) is not listed at at(2): the repository closes it because its lastSeen < at(2).
    expect(folded.listedPods).toEqual([{ uid: 'p', at: new Date(at(2)) }]);
    expect(folded.images.map((i) => i.digest).sort()).toEqual([d(1), d(2)]);
    expect(folded.references.map((r) => r.ref).sort()).toEqual(['i:1', 'i:2']);
  });

  it('turns a delete into closed rows and a deleted pod, never a listed one', () => {
    const folded = foldBatch(
      batch([
        { op: 'upsert', uid: 'p', namespace: 'n', name: 'p', observedAt: at(1), containers: [{ name: 'c', type: 'container', image: 'i', imageDigest: d(1) }] },
        { op: 'delete', uid: 'p', namespace: 'n', name: 'p', observedAt: at(3), containers: [{ name: 'c', type: 'container', image: 'i', imageDigest: d(1), terminatedAt: at(2) }] },
      ]),
    );
    expect(folded.rows[0]).toEqual(expect.objectContaining({ running: false, lastSeen: new Date(at(2)) }));
    expect(folded.listedPods).toEqual([]);
    expect(folded.deletedPods).toEqual([{ uid: 'p', at: new Date(at(3)) }]);
  });

  it('takes the workload from owner references when the agent could not resolve it', () => {
    const folded = foldBatch(
      batch([
        {
          op: 'upsert', uid: 'p', namespace: 'n', name: 'p', observedAt: at(1),
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d9c', uid: 'rs', controller: true }],
          containers: [{ name: 'c', type: 'container', image: 'i', imageDigest: d(1) }],
        },
      ]),
    );
    expect(folded.rows[0]).toEqual(expect.objectContaining({ workloadKind: 'ReplicaSet', workloadName: 'web-5d9c' }));
  });
});
