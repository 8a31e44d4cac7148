import type { Logger } from 'pino';
import { LeaderRecord, LeaseLock, LeaseWriteConflict, ObservedLease } from './lease-lock';

export interface LeaderElectorOptions {
  /** This replica's name in `holderIdentity` (the pod name plus a per-process suffix). */
  identity: string;
  /** How long followers wait, by their own clock, after the lease last changed before taking it. */
  leaseDurationMs: number;
  /** The leader stops leading when it has not renewed for this long (< leaseDurationMs). */
  renewDeadlineMs: number;
  /** Time between attempts to acquire or renew. */
  retryPeriodMs: number;
  /**
   * Runs when this replica becomes the leader; may be async, errors are logged.
   * `term` is the Lease's leaseTransitions as this replica acquired it: it grows
   * whenever the holder changes, so it fences a deposed leader's late writes.
   */
  onStartedLeading: (term: number) => Promise<void> | void;
  /** Runs when it stops leading; awaited before the lease is released or acquired again. */
  onStoppedLeading: (reason: string) => Promise<void> | void;
  /** Every failed lease call except a lost race (409). */
  onLeaseError?: (op: 'get' | 'create' | 'update', error: unknown) => void;
  log: Logger;
  /** Jitter source for followers' retries (tests pin it). */
  random?: () => number;
}

/** Followers retry after retryPeriod × (1 + up to this): candidates do not ask in lockstep. */
const JITTER = 0.2;

/**
 * Lease-based leader election with client-go's semantics: a candidate takes
 * the lease when it is missing, released (no holder), its own, or unchanged
 * for leaseDurationSeconds as timed by the candidate's own clock from when it
 * last saw it change (clocks of different nodes are never compared). Writes
 * are compare-and-swap on resourceVersion, so of two racing candidates one
 * wins. The leader renews every retryPeriod and stops leading once it has not
 * renewed for renewDeadline, before any follower can consider the lease
 * expired (renewDeadline < leaseDuration: the gap absorbs the time to stop the
 * leader's work). `stop()` steps down and releases the lease so a follower
 * takes over at its next attempt.
 */
export class LeaderElector {
  private leading = false;
  private stopped = true;
  private observed?: ObservedLease;
  /** Local clock when `observed` last changed: the follower's expiry timer. */
  private observedAt = 0;
  /** Local clock when the last successful renewal was sent: the leader's deadline runs from it. */
  private renewedFrom = 0;
  private deadlineTimer?: NodeJS.Timeout;
  private sleepTimer?: NodeJS.Timeout;
  private wake?: () => void;
  private loop?: Promise<void>;
  /** Transitions run one at a time: a new term never starts before the last one stopped. */
  private transitions: Promise<void> = Promise.resolve();
  /** Bumped at every step-down: a renewal answered after it belongs to a finished term. */
  private term = 0;

  constructor(
    private readonly lock: LeaseLock,
    private readonly o: LeaderElectorOptions,
  ) {
    if (!(o.leaseDurationMs > o.renewDeadlineMs && o.renewDeadlineMs > o.retryPeriodMs && o.retryPeriodMs > 0)) {
      throw new Error('leader election needs leaseDuration > renewDeadline > retryPeriod > 0');
    }
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder as last seen in the lease ('' when released or not seen yet). */
  get observedLeader(): string {
    return this.observed?.record.holderIdentity ?? '';
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /**
   * Graceful shutdown: stops trying, stops leading (awaiting onStoppedLeading)
   * and releases the lease (no holder, 1 s) so a follower need not wait out the duration.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.transitions;
    if (!this.leading) return;
    const observed = this.observed;
    await this.stepDown('shutting down');
    if (!observed || observed.record.holderIdentity !== this.o.identity) return;
    const now = Date.now();
    try {
      await this.bounded(this.lock.update({ ...observed.record, holderIdentity: '', leaseDurationSeconds: 1, acquireTime: now, renewTime: now }, observed.resourceVersion), 'release');
      this.o.log.info({ lease: this.lock.description }, 'leader lease released');
    } catch (error) {
      // Not fatal: the lease then expires after its duration, as after a crash.
      if (!(error instanceof LeaseWriteConflict)) this.o.onLeaseError?.('update', error);
      this.o.log.warn({ err: error, lease: this.lock.description }, 'could not release the leader lease; followers wait for it to expire');
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const term = this.term;
      const sentAt = Date.now();
      let held = false;
      try {
        held = await this.tryAcquireOrRenew(sentAt);
      } catch (error) {
        this.o.log.warn({ err: error, lease: this.lock.description, leading: this.leading }, 'leader lease call failed');
      }
      if (this.stopped) break;
      if (held && term === this.term) {
        this.renewedFrom = sentAt;
        this.armDeadline();
        // The term as acquired: later renewals keep it, a change of holder raises it.
        const leaderTerm = this.observed?.record.leaseTransitions ?? 0;
        if (!this.leading) this.transition(() => this.becomeLeader(leaderTerm));
      } else if (this.leading && this.observed && this.observed.record.holderIdentity !== this.o.identity) {
        // Someone else holds it now: whatever our deadline says, we are no longer the leader.
        this.transition(() => this.stepDown(`lease taken by ${this.observed?.record.holderIdentity || 'nobody'}`));
      }
      await this.sleep(this.leading ? this.o.retryPeriodMs : this.o.retryPeriodMs * (1 + JITTER * (this.o.random ?? Math.random)()));
    }
  }

  /** One attempt; true when this replica holds the lease afterwards. */
  private async tryAcquireOrRenew(now: number): Promise<boolean> {
    const durationSeconds = Math.ceil(this.o.leaseDurationMs / 1000);
    // The leader renews on what it wrote last (no read first); a 409 means someone else wrote since.
    if (this.leading && this.observed?.record.holderIdentity === this.o.identity) {
      const renewed = await this.write('update', { ...this.observed.record, leaseDurationSeconds: durationSeconds, renewTime: now }, this.observed.resourceVersion);
      if (renewed) return true;
    }
    let current: ObservedLease | undefined;
    try {
      current = await this.bounded(this.lock.get(), 'get');
    } catch (error) {
      this.o.onLeaseError?.('get', error);
      throw error;
    }
    if (!current) {
      return this.write('create', { holderIdentity: this.o.identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 });
    }
    this.see(current);
    const { record } = current;
    const mine = record.holderIdentity === this.o.identity;
    const durationMs = (record.leaseDurationSeconds > 0 ? record.leaseDurationSeconds * 1000 : this.o.leaseDurationMs);
    if (record.holderIdentity && !mine && this.observedAt + durationMs > now) return false;
    const next: LeaderRecord = mine
      ? { ...record, leaseDurationSeconds: durationSeconds, renewTime: now }
      : // A new holder raises leaseTransitions (client-go does too): it is the leader term that fences inventory.
        { holderIdentity: this.o.identity, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: record.leaseTransitions + 1 };
    return this.write('update', next, current.resourceVersion);
  }

  /** A create or compare-and-swap update; false when another candidate won the race. */
  private async write(op: 'create' | 'update', record: LeaderRecord, resourceVersion?: string): Promise<boolean> {
    try {
      const written = await this.bounded(op === 'create' ? this.lock.create(record) : this.lock.update(record, resourceVersion!), op);
      this.see(written);
      return true;
    } catch (error) {
      if (error instanceof LeaseWriteConflict) return false;
      this.o.onLeaseError?.(op, error);
      throw error;
    }
  }

  /**
   * No lease call may outlive the renew deadline: a hung renewal cannot keep a
   * leader past it, nor a hung call delay shutdown longer than that.
   */
  private bounded<T>(call: Promise<T>, op: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${op} ${this.lock.description}: no answer within ${this.o.renewDeadlineMs} ms`)), this.o.renewDeadlineMs);
    });
    return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
  }

  private see(lease: ObservedLease): void {
    if (this.observed?.fingerprint !== lease.fingerprint) this.observedAt = Date.now();
    this.observed = lease;
  }

  /** Fires renewDeadline after the last successful renewal was sent, even while a call hangs. */
  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    const remaining = this.renewedFrom + this.o.renewDeadlineMs - Date.now();
    this.deadlineTimer = setTimeout(() => {
      if (this.leading) this.transition(() => this.stepDown(`lease not renewed within ${this.o.renewDeadlineMs} ms`));
    }, Math.max(0, remaining));
    this.deadlineTimer.unref?.();
  }

  private transition(change: () => Promise<void>): void {
    this.transitions = this.transitions.then(change, change);
  }

  private async becomeLeader(leaderTerm: number): Promise<void> {
    if (this.leading || this.stopped) return;
    this.leading = true;
    this.o.log.info({ identity: this.o.identity, lease: this.lock.description, term: leaderTerm }, 'became the leader');
    try {
      await this.o.onStartedLeading(leaderTerm);
    } catch (error) {
      this.o.log.error({ err: error }, 'starting the leader\'s work failed');
    }
  }

  private async stepDown(reason: string): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.term += 1;
    clearTimeout(this.deadlineTimer);
    this.o.log.warn({ identity: this.o.identity, lease: this.lock.description, reason }, 'stopped leading');
    try {
      await this.o.onStoppedLeading(reason);
    } catch (error) {
      this.o.log.error({ err: error }, 'stopping the leader\'s work failed');
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = () => {
        clearTimeout(this.sleepTimer);
        this.wake = undefined;
        resolve();
      };
      this.sleepTimer = setTimeout(this.wake, ms);
      this.sleepTimer.unref?.();
    });
  }
}
