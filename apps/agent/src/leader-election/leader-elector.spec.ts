import pino from 'pino';
import { LeaderElector, LeaderElectorOptions } from './leader-elector';
import { LeaderRecord, LeaseLock, LeaseWriteConflict, ObservedLease } from './lease-lock';

/** One Lease with the apiserver's create/compare-and-swap rules; the unit tier's stand-in for it. */
class MemoryLease {
  current?: { record: LeaderRecord; rv: number };
  private rv = 0;
  readonly history: Array<{ at: number; holder: string }> = [];

  observed(): ObservedLease | undefined {
    if (!this.current) return undefined;
    const { record, rv } = this.current;
    return { record: { ...record }, resourceVersion: String(rv), fingerprint: String(rv) };
  }

  put(record: LeaderRecord): ObservedLease {
    this.current = { record: { ...record }, rv: ++this.rv };
    this.history.push({ at: Date.now(), holder: record.holderIdentity });
    return this.observed()!;
  }
}

/** One candidate's door to the lease; `mode` breaks it the ways a network or apiserver does. */
class MemoryLock implements LeaseLock {
  readonly description = 'Lease test/vigil-agent';
  mode: 'ok' | 'fail-writes' | 'fail-all' | 'hang' = 'ok';
  calls = 0;

  constructor(private readonly lease: MemoryLease) {}

  private async gate(write: boolean): Promise<void> {
    this.calls += 1;
    await Promise.resolve();
    if (this.mode === 'hang') await new Promise(() => undefined);
    if (this.mode === 'fail-all' || (write && this.mode === 'fail-writes')) throw Object.assign(new Error('injected: 500'), { code: 500 });
  }

  async get(): Promise<ObservedLease | undefined> {
    await this.gate(false);
    return this.lease.observed();
  }

  async create(record: LeaderRecord): Promise<ObservedLease> {
    await this.gate(true);
    if (this.lease.current) throw new LeaseWriteConflict('AlreadyExists');
    return this.lease.put(record);
  }

  async update(record: LeaderRecord, resourceVersion: string): Promise<ObservedLease> {
    await this.gate(true);
    if (!this.lease.current || String(this.lease.current.rv) !== resourceVersion) throw new LeaseWriteConflict('Conflict');
    return this.lease.put(record);
  }
}

const LEASE = 15_000;
const RENEW = 10_000;
const RETRY = 2_000;

interface Candidate {
  elector: LeaderElector;
  lock: MemoryLock;
  started: number[];
  /** The term each start was given (the Lease's leaseTransitions as acquired). */
  terms: number[];
  stopped: Array<{ at: number; reason: string }>;
  errors: string[];
}

function candidate(lease: MemoryLease, identity: string, over: Partial<LeaderElectorOptions> = {}): Candidate {
  const lock = new MemoryLock(lease);
  const c: Candidate = { lock, started: [], terms: [], stopped: [], errors: [], elector: undefined as unknown as LeaderElector };
  c.elector = new LeaderElector(lock, {
    identity,
    leaseDurationMs: LEASE,
    renewDeadlineMs: RENEW,
    retryPeriodMs: RETRY,
    random: () => 0,
    log: pino({ level: 'silent' }),
    onStartedLeading: (term) => {
      c.started.push(Date.now());
      c.terms.push(term);
    },
    onStoppedLeading: (reason) => void c.stopped.push({ at: Date.now(), reason }),
    onLeaseError: (op) => void c.errors.push(op),
    ...over,
  });
  return c;
}

const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);

describe('LeaderElector', () => {
  let lease: MemoryLease;
  let running: Candidate[];
  const start = (...cs: Candidate[]) => {
    for (const c of cs) {
      running.push(c);
      c.elector.start();
    }
  };

  /** `a` leads; `b` has started and, after `followerWaitMs`, follows. */
  const leaderAndFollower = async (followerWaitMs = RETRY) => {
    const a = candidate(lease, 'a');
    start(a);
    await advance(0);
    const b = candidate(lease, 'b');
    start(b);
    await advance(followerWaitMs);
    return { a, b };
  };

  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2026-12-03T07:00:00Z') });
    lease = new MemoryLease();
    running = [];
  });
  afterEach(async () => {
    for (const c of running) c.lock.mode = 'ok';
    const stopping = Promise.all(running.map((c) => c.elector.stop()));
    await advance(RENEW + RETRY); // a call hung in a test is abandoned at the renew deadline
    await stopping;
    jest.useRealTimers();
  });

  it('refuses timings that could give two leaders: lease > renew deadline > retry period', () => {
    expect(() => candidate(lease, 'a', { renewDeadlineMs: LEASE })).toThrow(/leaseDuration > renewDeadline > retryPeriod/);
    expect(() => candidate(lease, 'a', { retryPeriodMs: RENEW })).toThrow(/leaseDuration > renewDeadline > retryPeriod/);
  });

  it('creates a missing lease, leads, and renews every retry period keeping acquireTime', async () => {
    const a = candidate(lease, 'a');
    start(a);
    await advance(0);
    expect(a.elector.isLeader).toBe(true);
    expect(a.started).toHaveLength(1);
    const acquired = lease.current!.record;
    expect(acquired).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    await advance(3 * RETRY);
    expect(lease.history.length).toBe(4);
    expect(lease.current!.record).toMatchObject({ holderIdentity: 'a', acquireTime: acquired.acquireTime, renewTime: acquired.acquireTime + 3 * RETRY });
  });

  it('of two candidates starting together exactly one leads (the create race is lost with a 409, not an error)', async () => {
    const a = candidate(lease, 'a');
    const b = candidate(lease, 'b');
    start(a, b);
    await advance(5 * RETRY);
    expect([a.elector.isLeader, b.elector.isLeader].sort()).toEqual([false, true]);
    expect([...a.errors, ...b.errors]).toEqual([]);
    expect(new Set(lease.history.map((h) => h.holder))).toEqual(new Set([lease.current!.record.holderIdentity]));
  });

  it('a follower takes a lease that stopped changing after leaseDuration by its own clock, not before', async () => {
    const { a, b } = await leaderAndFollower();
    a.lock.mode = 'hang'; // the leader's node died: its calls never arrive
    const lastRenewal = lease.history.at(-1)!.at;
    await advance(LEASE - RETRY);
    expect(b.elector.isLeader).toBe(false);
    await advance(2 * RETRY + 1);
    expect(b.elector.isLeader).toBe(true);
    expect(b.started[0]! - lastRenewal).toBeGreaterThanOrEqual(LEASE);
    expect(lease.current!.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    // The old leader gave up at its renew deadline, before the follower could take over.
    expect(a.stopped).toEqual([{ at: expect.any(Number), reason: expect.stringMatching(/not renewed within 10000 ms/) }]);
    expect(a.stopped[0]!.at).toBeLessThan(b.started[0]!);
  });

  it('never compares clocks: a renewTime far in the past that keeps changing is a live leader, one in the future that stops changing expires', async () => {
    const b = candidate(lease, 'b');
    const skewed = (renewTime: number) => lease.put({ holderIdentity: 'a', leaseDurationSeconds: 15, acquireTime: renewTime, renewTime, leaseTransitions: 0 });
    skewed(Date.now() - 3_600_000);
    start(b);
    for (let i = 0; i < 20; i += 1) {
      await advance(RETRY);
      skewed(Date.now() - 3_600_000); // a node an hour behind, renewing
    }
    expect(b.elector.isLeader).toBe(false);
    skewed(Date.now() + 3_600_000); // an hour ahead, then silent
    await advance(LEASE - RETRY);
    expect(b.elector.isLeader).toBe(false);
    await advance(3 * RETRY);
    expect(b.elector.isLeader).toBe(true);
  });

  it('steps down when renewals fail, before the lease expires for followers, and leads again once they succeed', async () => {
    const { a, b } = await leaderAndFollower();
    a.lock.mode = 'fail-writes';
    const lastRenewal = lease.history.at(-1)!.at;
    await advance(RENEW);
    expect(a.elector.isLeader).toBe(false);
    expect(a.stopped[0]!.at - lastRenewal).toBeLessThanOrEqual(RENEW);
    expect(a.errors).toContain('update');
    expect(b.elector.isLeader).toBe(false);
    await advance(LEASE);
    expect(b.elector.isLeader).toBe(true);
    expect(b.started[0]!).toBeGreaterThan(a.stopped[0]!.at);
    a.lock.mode = 'ok';
    await advance(3 * RETRY);
    expect(a.elector.isLeader).toBe(false); // b renews now; a is a follower
  });

  it('steps down at the deadline even while a renewal hangs', async () => {
    const a = candidate(lease, 'a');
    start(a);
    await advance(0);
    a.lock.mode = 'hang';
    await advance(RENEW + RETRY);
    expect(a.elector.isLeader).toBe(false);
    expect(a.stopped).toHaveLength(1);
  });

  it('re-acquires its own lease after a blip if nobody else took it (same resourceVersion: safe)', async () => {
    const a = candidate(lease, 'a');
    start(a);
    await advance(0);
    a.lock.mode = 'fail-all';
    await advance(RENEW + RETRY);
    expect(a.elector.isLeader).toBe(false);
    a.lock.mode = 'ok';
    await advance(RETRY * 2);
    expect(a.elector.isLeader).toBe(true);
    expect(a.started).toHaveLength(2);
    expect(lease.current!.record.leaseTransitions).toBe(0);
  });

  it('steps down at once when another holder overwrote the lease', async () => {
    const a = candidate(lease, 'a');
    start(a);
    await advance(0);
    lease.put({ ...lease.current!.record, holderIdentity: 'intruder' });
    await advance(RETRY);
    expect(a.elector.isLeader).toBe(false);
    expect(a.stopped[0]!.reason).toMatch(/taken by intruder/);
  });

  it('stop() stops the work first, then releases the lease; a follower takes it at its next attempt', async () => {
    const { a, b } = await leaderAndFollower(RETRY / 2);
    await a.elector.stop();
    expect(a.stopped).toEqual([{ at: expect.any(Number), reason: 'shutting down' }]);
    expect(lease.current!.record).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    const released = Date.now();
    await advance(RETRY);
    expect(b.elector.isLeader).toBe(true);
    expect(b.started[0]! - released).toBeLessThanOrEqual(RETRY);
  });

  it('starts every term with the leaseTransitions it acquired: 0 on create, one more at each change of holder, the same after its own blip', async () => {
    const a = candidate(lease, 'a');
    start(a);
    await advance(0);
    expect(a.terms).toEqual([0]);
    const b = candidate(lease, 'b');
    start(b);
    await advance(RETRY / 2);
    await a.elector.stop(); // released: b takes it as a new holder
    await advance(RETRY);
    expect(b.terms).toEqual([1]);
    expect(lease.current!.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    const c = candidate(lease, 'c');
    start(c);
    await advance(RETRY);
    b.lock.mode = 'hang'; // b's node dies; c takes over after the lease duration
    await advance(LEASE + 2 * RETRY);
    expect(c.terms).toEqual([2]);
    expect(lease.current!.record).toMatchObject({ holderIdentity: 'c', leaseTransitions: 2 });
    c.lock.mode = 'fail-all'; // a blip: c steps down and takes its own lease back, same term
    await advance(RENEW + RETRY);
    c.lock.mode = 'ok';
    b.lock.mode = 'ok';
    await advance(2 * RETRY);
    expect(c.terms).toEqual([2, 2]);
  });

  it('a follower that stops does not touch the lease', async () => {
    const a = candidate(lease, 'a');
    const b = candidate(lease, 'b');
    start(a);
    await advance(0);
    start(b);
    await advance(RETRY);
    const before = lease.history.length;
    await b.elector.stop();
    expect(lease.history.length).toBe(before);
    expect(lease.current!.record.holderIdentity).toBe('a');
  });
});
