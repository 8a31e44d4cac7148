import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, Optional } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { SbomJobsService, type ImageChangeListener } from '@vigil/images';
import type { InventoryChange, InventoryChangeListener } from '@vigil/inventory';
import type { PolicyChange, PolicyChangeListener } from '@vigil/policies';
import { Database } from '@vigil/shared/database';
import {
  QUEUE_NAMES,
  VERIFY_JOB_OPTIONS,
  VERIFY_MAX_TARGETS,
  verifyPolicyJobId,
  verifyTargetsJobId,
  type VerifyPolicyJob,
  type VerifyTargetsJob,
} from '@vigil/shared/queue';
import { PolicyChangeRepository } from '../repositories/policy-change.repository';
import { RunningImageRepository } from '../repositories/running-image.repository';
import { VerificationTargetRepository } from '../repositories/verification-target.repository';
import { ViolationRepository } from '../repositories/violation.repository';

/**
 * The facade other contexts use, and every trigger's entry: each writes what
 * is due to Postgres first (in the caller's transaction where there is one),
 * then enqueues jobs after commit with deterministic ids. A lost enqueue only
 * delays work: the reverify sweep re-adds whatever is still due.
 */
@Injectable()
export class ContinuousVerification implements PolicyChangeListener, InventoryChangeListener, ImageChangeListener {
  private readonly logger = new Logger('ContinuousVerification');

  constructor(
    private readonly database: Database,
    private readonly targets: VerificationTargetRepository,
    private readonly running: RunningImageRepository,
    private readonly changes: PolicyChangeRepository,
    private readonly violations: ViolationRepository,
    @InjectQueue(QUEUE_NAMES.verify) private readonly queue: Queue,
    // Absent only in processes without the images context: then nothing derives SBOMs.
    @Optional() private readonly sboms?: SbomJobsService,
  ) {}

  /** A policy revision was published or the policy retired: called inside that transaction. */
  async policyChanged(change: PolicyChange): Promise<void> {
    const job: VerifyPolicyJob = { orgId: change.orgId, changeId: randomUUID() };
    await this.changes.insert(change.orgId, { id: job.changeId, policyId: change.policyId, revision: change.revision });
    await this.database.afterCommit(() => this.queue.add('verify.policy', job, { ...VERIFY_JOB_OPTIONS, jobId: verifyPolicyJobId(job) }));
  }

  /**
   * An inventory batch committed: verify digests new to the cluster (and queue
   * SBOM derivation for those the org has none of); end violations of images that stopped.
   */
  async inventoryChanged(change: InventoryChange): Promise<void> {
    const fresh = await this.targets.markNewDue(change.orgId, change.clusterId, change.runningDigests);
    if (fresh.length > 0) {
      await this.enqueue(change.orgId, fresh.map((digest) => ({ clusterId: change.clusterId, digest })));
      await this.requestSboms(change.orgId, fresh);
    }
    if (change.mayHaveStopped) await this.violations.resolveStopped(change.orgId, change.clusterId);
  }

  /** Lost requests are rebuilt by the sbom sweep, so a failure here is only logged. */
  private async requestSboms(orgId: string, digests: readonly string[]): Promise<void> {
    try {
      await this.sboms?.digestsObserved(orgId, digests);
    } catch (error) {
      this.logger.warn({ err: error, orgId }, 'could not queue SBOM derivation of new digests');
    }
  }

  /**
   * New metadata for these digests (a signature, an SBOM, advisory matches):
   * re-verify them wherever they run in the org.
   */
  async imagesChanged(orgId: string, digests: readonly string[]): Promise<number> {
    if (digests.length === 0) return 0;
    const pairs = await this.running.runningDigests(orgId, digests);
    await this.targets.markDue(orgId, pairs);
    // Ids carry the trigger's time: a job of the same digests still running (gathered before this
    // change, e.g. waiting for the SBOM just stored) must not swallow the new one.
    const triggeredAt = Date.now();
    await this.database.afterCommit(() => this.enqueue(orgId, pairs, triggeredAt));
    return pairs.length;
  }

  /** Platform-wide metadata (SBOMs are cached by digest, advisories are global): every org that runs them. */
  async imagesChangedEverywhere(digests: readonly string[]): Promise<number> {
    let marked = 0;
    for (const orgId of await this.targets.orgsRunning(digests)) {
      try {
        marked += await this.imagesChanged(orgId, digests);
      } catch (error) {
        // The org's next sweep re-verifies everything it runs anyway.
        this.logger.warn({ err: error, orgId }, 'could not mark changed images due');
      }
    }
    return marked;
  }

  /**
   * Jobs for what is due in these clusters now, under the ids the reverify
   * tick gives them (due time and digests), so its safety-net re-adds find
   * them queued instead of queuing each cluster's work a second time.
   */
  async enqueueDueIn(orgId: string, clusterIds: readonly string[]): Promise<number> {
    return this.enqueueDue(orgId, await this.targets.dueIn(orgId, clusterIds));
  }

  /** Jobs for due work as `VerificationTargetRepository.dueClusters`/`dueIn` group it. */
  enqueueDue(orgId: string, due: readonly { clusterId: string; digests: readonly string[]; dueAt: Date }[]): Promise<number> {
    return this.addJobs(orgId, due.map((d) => ({ clusterId: d.clusterId, digests: d.digests, dueAtMs: d.dueAt.getTime() })));
  }

  /** The fast path: jobs for due (cluster, digest) pairs, across clusters, in bounded chunks. */
  async enqueue(orgId: string, pairs: readonly { clusterId: string; digest: string }[], dueAtMs = 0): Promise<number> {
    const byCluster = new Map<string, Set<string>>();
    for (const p of pairs) {
      const set = byCluster.get(p.clusterId) ?? new Set<string>();
      set.add(p.digest);
      byCluster.set(p.clusterId, set);
    }
    return this.addJobs(orgId, [...byCluster].map(([clusterId, digests]) => ({ clusterId, digests: [...digests], dueAtMs })));
  }

  /**
   * One org's due work as `verify.targets` jobs of at most VERIFY_MAX_TARGETS
   * pairs across clusters (a change touching a digest in a thousand clusters
   * is two jobs, not a thousand). Pairs are ordered by due time, cluster and
   * digest and cut at fixed multiples of the bound, so when whole jobs finish
   * the rest is cut where it was and the tick's re-adds find the same ids.
   */
  private async addJobs(orgId: string, groups: readonly { clusterId: string; digests: readonly string[]; dueAtMs: number }[]): Promise<number> {
    const sorted = [...groups].sort((a, b) => a.dueAtMs - b.dueAtMs || (a.clusterId < b.clusterId ? -1 : a.clusterId > b.clusterId ? 1 : 0));
    const pairs = sorted.flatMap((g) => [...new Set(g.digests)].sort().map((digest) => ({ clusterId: g.clusterId, digest, dueAtMs: g.dueAtMs })));
    const jobs: { name: string; data: VerifyTargetsJob; opts: typeof VERIFY_JOB_OPTIONS }[] = [];
    for (let i = 0; i < pairs.length; i += VERIFY_MAX_TARGETS) {
      const data: VerifyTargetsJob = { orgId, targets: [] };
      const dueAtMs: number[] = [];
      for (const p of pairs.slice(i, i + VERIFY_MAX_TARGETS)) {
        const last = data.targets[data.targets.length - 1];
        if (last?.clusterId === p.clusterId && dueAtMs[dueAtMs.length - 1] === p.dueAtMs) last.digests.push(p.digest);
        else {
          data.targets.push({ clusterId: p.clusterId, digests: [p.digest] });
          dueAtMs.push(p.dueAtMs);
        }
      }
      jobs.push({ name: 'verify.targets', data, opts: { ...VERIFY_JOB_OPTIONS, jobId: verifyTargetsJobId(data, dueAtMs) } });
    }
    for (let i = 0; i < jobs.length; i += 500) await this.queue.addBulk(jobs.slice(i, i + 500));
    return jobs.length;
  }
}
