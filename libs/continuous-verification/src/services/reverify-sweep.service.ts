import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QUEUE_NAMES, VERIFY_JOB_OPTIONS, verifyPolicyJobId, type VerifyPolicyJob } from '@vigil/shared/queue';
import { PolicyChangeRepository } from '../repositories/policy-change.repository';
import { ScheduleRepository } from '../repositories/schedule.repository';
import { VerificationTargetRepository, type DueCluster } from '../repositories/verification-target.repository';
import { ViolationRepository } from '../repositories/violation.repository';
import { ContinuousVerification } from './continuous-verification.service';

export interface SweepReport {
  sweepsStarted: number;
  marked: number;
  policyChangesRequeued: number;
  verifyJobsAdded: number;
  resolvedStopped: number;
}

/** A policy change's own job gets this long before the sweep assumes it was lost. */
const POLICY_CHANGE_GRACE_SECONDS = 10;
/** Clusters with due work read per tick (each becomes ≥1 job). */
const DUE_CLUSTERS_PER_TICK = 5000;

/**
 * The safety net and the scheduler in one tick: starts each org's periodic
 * sweep when due (marking everything running due, spread over half the
 * interval), re-adds fan-outs of policy changes whose job was lost, ends
 * violations of images that stopped running, and enqueues every due
 * verification under deterministic ids — so after a Redis flush or a worker
 * crash the next tick rebuilds every missing job, and otherwise adds nothing.
 */
@Injectable()
export class ReverifySweepService {
  private readonly logger = new Logger('ReverifySweepService');

  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly targets: VerificationTargetRepository,
    private readonly changes: PolicyChangeRepository,
    private readonly violations: ViolationRepository,
    private readonly verification: ContinuousVerification,
    @InjectQueue(QUEUE_NAMES.verify) private readonly queue: Queue,
  ) {}

  async tick(): Promise<SweepReport> {
    const report: SweepReport = { sweepsStarted: 0, marked: 0, policyChangesRequeued: 0, verifyJobsAdded: 0, resolvedStopped: 0 };
    const pending = await this.changes.pending(POLICY_CHANGE_GRACE_SECONDS, 1000);
    if (pending.length > 0) {
      await this.queue.addBulk(
        pending.map((p) => {
          const job: VerifyPolicyJob = { orgId: p.orgId, changeId: p.changeId };
          return { name: 'verify.policy', data: job, opts: { ...VERIFY_JOB_OPTIONS, jobId: verifyPolicyJobId(job) } };
        }),
      );
      report.policyChangesRequeued = pending.length;
    }
    for (const orgId of await this.schedules.dueOrgs()) {
      try {
        const swept = await this.sweepOrg(orgId);
        if (swept !== null) {
          report.sweepsStarted++;
          report.marked += swept.marked;
          report.resolvedStopped += swept.resolvedStopped;
        }
      } catch (error) {
        // One org's failure must not stop the others; the next tick retries it.
        this.logger.error({ err: error, orgId }, 'could not start the verification sweep of an org');
      }
    }
    report.verifyJobsAdded = await this.enqueueDue();
    return report;
  }

  /**
   * Starts an org's sweep now if it is due (or `force`); `spreadSeconds`
   * overrides the spread (0: everything due at once, as benchmarks and
   * operators re-verifying an org want).
   */
  async sweepOrg(orgId: string, options: { force?: boolean; spreadSeconds?: number } = {}): Promise<{ marked: number; resolvedStopped: number } | null> {
    const marked = await this.schedules.startSweep(orgId, options.spreadSeconds ?? null, options.force ?? false);
    if (marked === null) return null;
    const resolvedStopped = await this.violations.resolveStopped(orgId, null);
    return { marked, resolvedStopped };
  }

  /** Jobs for every due (cluster, digest); ids derive from the digests and due time, so repeats are no-ops. */
  async enqueueDue(): Promise<number> {
    const byOrg = new Map<string, DueCluster[]>();
    for (const due of await this.targets.dueClusters(DUE_CLUSTERS_PER_TICK)) {
      const list = byOrg.get(due.orgId) ?? [];
      list.push(due);
      byOrg.set(due.orgId, list);
    }
    let added = 0;
    for (const [orgId, due] of byOrg) added += await this.verification.enqueueDue(orgId, due);
    return added;
  }
}
