import { KubeLeaseLock, LeaseWriteConflict } from '../../apps/agent/src/leader-election/lease-lock';
import { FakeKubeApiServer } from '../../tools/simulated-cluster';
import { kubeConfigFor } from './support/agent-test-harness';

// The client-node side of leader election against the fake API: status codes
// mapped (404 → none, 409 → lost race), MicroTime written as the apiserver parses it.
describe('KubeLeaseLock (client-node CoordinationV1Api against the fake kube API)', () => {
  let kube: FakeKubeApiServer;
  const lock = () => new KubeLeaseLock(kubeConfigFor(kube), 'vigil-system', 'vigil-agent', 2000);
  const record = (holderIdentity: string, at: number) => ({ holderIdentity, leaseDurationSeconds: 15, acquireTime: at, renewTime: at, leaseTransitions: 0 });

  beforeEach(async () => {
    kube = new FakeKubeApiServer();
    await kube.start();
  });
  afterEach(() => kube.stop());

  it('reads a missing lease as none; of racing creates one wins and the others lose with LeaseWriteConflict', async () => {
    expect(await lock().get()).toBeUndefined();
    const at = Date.parse('2026-12-03T07:00:00.123Z');
    const results = await Promise.allSettled(['a', 'b', 'c'].map((h) => lock().create(record(h, at))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(LeaseWriteConflict), expect.any(LeaseWriteConflict)]);
    const stored = kube.leases.get('vigil-system', 'vigil-agent')!;
    // Microseconds on the wire: a millisecond Date would be refused by the apiserver (and the fake) with 400.
    expect(stored.spec).toMatchObject({ renewTime: '2026-12-03T07:00:00.123000Z', acquireTime: '2026-12-03T07:00:00.123000Z', leaseDurationSeconds: 15 });
    const read = await lock().get();
    expect(read?.record).toMatchObject({ renewTime: at, leaseDurationSeconds: 15 });
  });

  it('updates with the resourceVersion it read; a stale one loses with LeaseWriteConflict; other failures are errors', async () => {
    const created = await lock().create(record('a', Date.now()));
    const renewed = await lock().update({ ...created.record, renewTime: Date.now() + 1000 }, created.resourceVersion);
    expect(Number(renewed.resourceVersion)).toBeGreaterThan(Number(created.resourceVersion));
    expect(renewed.fingerprint).not.toBe(created.fingerprint);
    await expect(lock().update({ ...created.record, holderIdentity: 'b' }, created.resourceVersion)).rejects.toBeInstanceOf(LeaseWriteConflict);
    kube.fault = () => ({ kind: 'status', code: 500, reason: 'InternalError' });
    const failed = await lock().update(renewed.record, renewed.resourceVersion).catch((e: unknown) => e);
    expect(failed).not.toBeInstanceOf(LeaseWriteConflict);
    expect(failed).toMatchObject({ code: 500 });
  });
});
