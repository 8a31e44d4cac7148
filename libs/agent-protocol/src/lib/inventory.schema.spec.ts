import { inventoryTermSupersededMessage, MAX_LEADER_TERM } from './inventory.schema';
import { PROTOCOL_LIMITS } from './limits';
import { DIGEST, container, errorPaths, expectValid, inventoryBatch, pod } from './test-fixtures';
import { validateInventoryBatch, validateInventoryResponse } from './validation';

describe('inventory batch', () => {
  it('accepts a delta batch with containers of every type and an upsert and a delete', () => {
    const batch = inventoryBatch({
      pods: [
        pod({ containers: [container(), container({ name: 'init', type: 'init' }), container({ name: 'debug', type: 'ephemeral' })] }),
        pod({ op: 'delete', uid: 'uid-2', name: 'old', owner: undefined, ownerReferences: undefined, containers: [] }),
      ],
    });
    const value = expectValid(validateInventoryBatch(batch));
    expect(value.pods).toHaveLength(2);
    expect(value.pods[0]?.containers.map((c) => c.type)).toEqual(['container', 'init', 'ephemeral']);
  });

  it('accepts a snapshot part', () => {
    expectValid(validateInventoryBatch(inventoryBatch({ kind: 'snapshot', snapshot: { id: 'snap-1', part: 0, last: true } })));
  });

  it('accepts a leader term (fencing token) from 0 to the int32 maximum, and no term at all', () => {
    expect(expectValid(validateInventoryBatch(inventoryBatch({ term: 0 }))).term).toBe(0);
    expect(expectValid(validateInventoryBatch(inventoryBatch({ term: 7 }))).term).toBe(7);
    expect(expectValid(validateInventoryBatch(inventoryBatch({ term: MAX_LEADER_TERM }))).term).toBe(2 ** 31 - 1);
    expect(expectValid(validateInventoryBatch(inventoryBatch({ kind: 'snapshot', snapshot: { id: 's', part: 0, last: true }, term: 3 }))).term).toBe(3);
    expect(expectValid(validateInventoryBatch(inventoryBatch())).term).toBeUndefined();
  });

  it.each([
    ['negative', -1],
    ['fractional', 1.5],
    ['above int32', 2 ** 31],
    ['a string', '3'],
    ['null', null],
  ])('rejects a %s term and names the path', (_label, term) => {
    expect(errorPaths(validateInventoryBatch(inventoryBatch({ term })))).toEqual(['term']);
  });

  it('words the superseded answer with both terms', () => {
    expect(inventoryTermSupersededMessage(3, 4)).toBe('inventory batch of leader term 3 is superseded by term 4');
  });

  it('accepts an empty delta batch (a keep-alive of the sequence)', () => {
    expectValid(validateInventoryBatch(inventoryBatch({ pods: [] })));
  });

  it.each([
    ['sequence', { sequence: '1' }, 'sequence'],
    ['sequence zero', { sequence: 0 }, 'sequence'],
    ['fractional sequence', { sequence: 1.5 }, 'sequence'],
    ['kind', { kind: 'full' }, 'kind'],
    ['sentAt', { sentAt: 'yesterday' }, 'sentAt'],
    ['agentId', { agentId: '' }, 'agentId'],
    ['pods not an array', { pods: {} }, 'pods'],
  ])('rejects a wrong %s and names the path', (_label, over, path) => {
    expect(errorPaths(validateInventoryBatch(inventoryBatch(over)))).toEqual([path]);
  });

  it.each(['agentId', 'sequence', 'kind', 'sentAt', 'pods'])('rejects a batch without %s', (field) => {
    const batch = inventoryBatch();
    delete batch[field];
    expect(errorPaths(validateInventoryBatch(batch))).toContain(field);
  });

  it.each(['op', 'uid', 'namespace', 'name', 'observedAt', 'containers'])('rejects a pod without %s', (field) => {
    const p = pod();
    delete p[field];
    expect(errorPaths(validateInventoryBatch(inventoryBatch({ pods: [pod(), p] })))).toContain(`pods[1].${field}`);
  });

  it.each(['name', 'type', 'image', 'imageDigest'])('rejects a container without %s', (field) => {
    const c = container();
    delete c[field];
    const batch = inventoryBatch({ pods: [pod({ containers: [c] })] });
    expect(errorPaths(validateInventoryBatch(batch))).toContain(`pods[0].containers[0].${field}`);
  });

  it.each([
    ['no algorithm', 'a'.repeat(64)],
    ['sha512', `sha512:${'a'.repeat(128)}`],
    ['too short', `sha256:${'a'.repeat(63)}`],
    ['too long', `sha256:${'a'.repeat(65)}`],
    ['upper-case hex', `sha256:${'A'.repeat(64)}`],
    ['non-hex', `sha256:${'g'.repeat(64)}`],
    ['runtime prefix left in', `docker-pullable://nginx@${DIGEST}`],
    ['trailing newline', `${DIGEST}\n`],
    ['empty', ''],
  ])('rejects an imageDigest that is %s', (_label, imageDigest) => {
    const batch = inventoryBatch({ pods: [pod({ containers: [container(), container({ name: 'side', imageDigest })] })] });
    const result = validateInventoryBatch(batch);
    expect(errorPaths(result)).toEqual(['pods[0].containers[1].imageDigest']);
    expect(result.ok === false && result.errors[0]?.message).toMatch(/sha256:<64 lowercase hex>/);
  });

  it('rejects more pods than the batch limit', () => {
    const pods = Array.from({ length: PROTOCOL_LIMITS.maxPodsPerBatch + 1 }, (_, i) => pod({ uid: `uid-${i}`, containers: [] }));
    expect(errorPaths(validateInventoryBatch(inventoryBatch({ pods })))).toEqual(['pods']);
  });

  it('accepts exactly the batch limit', () => {
    const pods = Array.from({ length: PROTOCOL_LIMITS.maxPodsPerBatch }, (_, i) => pod({ uid: `uid-${i}`, containers: [] }));
    expectValid(validateInventoryBatch(inventoryBatch({ pods })));
  });

  it('rejects more containers per pod than the limit', () => {
    const containers = Array.from({ length: PROTOCOL_LIMITS.maxContainersPerPod + 1 }, (_, i) => container({ name: `c${i}` }));
    expect(errorPaths(validateInventoryBatch(inventoryBatch({ pods: [pod({ containers })] })))).toEqual(['pods[0].containers']);
  });

  it('rejects a batch whose containers add up past the per-batch limit', () => {
    const perPod = 100;
    const containers = Array.from({ length: perPod }, (_, i) => container({ name: `c${i}` }));
    const podCount = PROTOCOL_LIMITS.maxContainersPerBatch / perPod + 1;
    const pods = Array.from({ length: podCount }, (_, i) => pod({ uid: `uid-${i}`, containers }));
    expect(errorPaths(validateInventoryBatch(inventoryBatch({ pods })))).toEqual(['pods']);
  });

  it('rejects duplicate container names within a pod', () => {
    const batch = inventoryBatch({ pods: [pod({ containers: [container(), container({ type: 'init' })] })] });
    expect(errorPaths(validateInventoryBatch(batch))).toEqual(['pods[0].containers[1].name']);
  });

  it('rejects unknown fields at every level, naming each', () => {
    const batch = inventoryBatch({
      orgId: 'someone-else',
      pods: [pod({ env: { SECRET: 'x' }, containers: [container({ command: ['sh'] })] })],
    });
    expect(errorPaths(validateInventoryBatch(batch)).sort()).toEqual(['orgId', 'pods[0].containers[0].command', 'pods[0].env']);
  });

  it('rejects an invalid owner and owner reference', () => {
    const batch = inventoryBatch({
      pods: [pod({ owner: { kind: 'deployment', name: 'web' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'web-1', uid: 'u' }] })],
    });
    expect(errorPaths(validateInventoryBatch(batch)).sort()).toEqual(['pods[0].owner.kind', 'pods[0].ownerReferences[0].apiVersion']);
  });

  it('requires snapshot details exactly when kind is snapshot', () => {
    expect(errorPaths(validateInventoryBatch(inventoryBatch({ kind: 'snapshot' })))).toEqual(['snapshot']);
    expect(errorPaths(validateInventoryBatch(inventoryBatch({ snapshot: { id: 's', part: 0, last: true } })))).toEqual(['snapshot']);
  });

  it('rejects deletes and repeated pods inside a snapshot', () => {
    const batch = inventoryBatch({
      kind: 'snapshot',
      snapshot: { id: 's', part: 0, last: true },
      pods: [pod(), pod(), pod({ uid: 'other', op: 'delete' })],
    });
    expect(errorPaths(validateInventoryBatch(batch))).toEqual(['pods[1].uid', 'pods[2].op']);
  });

  it.each([
    ['namespace', 'upper case', 'Shop'],
    ['namespace', 'too long', 'a'.repeat(64)],
    ['name', 'with a slash', 'a/b'],
    ['name', 'too long', 'a'.repeat(254)],
  ])('rejects a pod %s %s', (field, _label, value) => {
    expect(errorPaths(validateInventoryBatch(inventoryBatch({ pods: [pod({ [field]: value })] })))).toEqual([`pods[0].${field}`]);
  });

  it('never throws on garbage', () => {
    for (const input of [undefined, null, 42, 'x', [], { pods: null }, { pods: [null] }, { pods: [{ containers: [7] }] }]) {
      expect(validateInventoryBatch(input).ok).toBe(false);
    }
  });
});

describe('inventory response', () => {
  it('accepts the documented shape and strips fields a newer platform adds', () => {
    const value = expectValid(
      validateInventoryResponse({ applied: true, duplicate: false, expectedSequence: 8, snapshotRequested: false, hint: 'new' }),
    );
    expect(value).toEqual({ applied: true, duplicate: false, expectedSequence: 8, snapshotRequested: false });
  });

  it('rejects a missing flag and a bad sequence', () => {
    expect(errorPaths(validateInventoryResponse({ applied: true, duplicate: false, expectedSequence: -1 })).sort()).toEqual([
      'expectedSequence',
      'snapshotRequested',
    ]);
  });
});
