import { createHash } from 'node:crypto';
import type { JobsOptions } from 'bullmq';

/**
 * The one place that names queues and jobs (STYLE habit 9). Payloads carry
 * ids, never blobs; Postgres holds the truth, so a lost job is rebuilt by a sweep.
 */
export const QUEUE_NAMES = {
  housekeeping: 'housekeeping',
  deliver: 'deliver',
  deliverySweep: 'delivery-sweep',
  verify: 'verify',
  reverifySweep: 'reverify-sweep',
  sbom: 'sbom',
  advisoryMatch: 'advisory-match',
  advisoryFeed: 'advisory-feed',
  inventoryFold: 'inventory-fold',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export interface HousekeepingJobs {
  /** Marks clusters unhealthy, enforces retention; scheduled, no payload needed. */
  'housekeeping.tick': Record<string, never>;
}

export interface DeliverJob {
  orgId: string;
  deliveryId: string;
  /** The attempt this job makes (0-based): part of the job id, so each attempt is enqueued once. */
  attempt: number;
  /**
   * The delivery's subscription, when the enqueuer knows it (not the sweep's
   * re-adds): lets a worker whose share of slots for it is taken defer the
   * job without loading it first.
   */
  subscriptionId?: string;
}

/**
 * Delivery jobs leave Redis when done: their ids exist only to stop the same
 * attempt being queued twice while it waits or runs. The delivery row in
 * Postgres is the record; the sweep re-enqueues whatever is due.
 */
export const DELIVER_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: true,
};

export function deliverJobId(job: DeliverJob): string {
  return `${job.deliveryId}-${job.attempt}`;
}

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * Continuous verification. `verification_targets.due_at` in Postgres says what
 * is outstanding; these jobs are the fast path, and the reverify sweep re-adds
 * (under the same ids) whatever is still due after a crash or a Redis flush.
 */
export interface VerifyJobs {
  /** One org × cluster × digests (at most VERIFY_MAX_DIGESTS): re-evaluate those still due. Kept for jobs queued before `verify.targets`. */
  'verify.images': VerifyImagesJob;
  /** One org × (cluster, digest) targets across clusters (at most VERIFY_MAX_TARGETS pairs): what producers add. */
  'verify.targets': VerifyTargetsJob;
  /** Fan out one policy change: mark the running images its globs match (old or new) as due. */
  'verify.policy': VerifyPolicyJob;
}

export interface VerifyImagesJob {
  orgId: string;
  clusterId: string;
  digests: string[];
}

/**
 * A change that touches a few digests running in many clusters is one job per
 * few hundred (cluster, digest) pairs, not one per cluster: the job reads,
 * evaluates and writes all of them in a few set-based statements.
 */
export interface VerifyTargetsJob {
  orgId: string;
  /** Sorted by the producer; a cluster may be split across jobs. */
  targets: { clusterId: string; digests: string[] }[];
}

export interface VerifyPolicyJob {
  orgId: string;
  /** A `policy_verification_changes` row. */
  changeId: string;
}

export interface ReverifySweepJobs {
  /** Scheduled: starts due org sweeps, re-adds due verifications and unprocessed policy changes. */
  'reverify.tick': Record<string, never>;
}

/** Digests per verify job: one transaction each, bounded so a retry redoes little. */
export const VERIFY_MAX_DIGESTS = 200;

/** (cluster, digest) pairs per `verify.targets` job: one write transaction each, bounded so a retry redoes little. */
export const VERIFY_MAX_TARGETS = 500;

/**
 * Verify jobs leave Redis when done (the target rows are the record); failed
 * ones stay a day so their id keeps the sweep from re-adding them at once (the
 * failure is recorded on the targets, which are retried later).
 */
export const VERIFY_JOB_OPTIONS: JobsOptions = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: true,
  removeOnFail: { age: 24 * 3600, count: 5000 },
};

export function verifyImagesJobId(job: VerifyImagesJob, dueAtMs: number): string {
  return `vi-${job.clusterId}-${createHash('sha1').update(`${dueAtMs}\n${job.digests.join('\n')}`).digest('hex')}`;
}

/** `dueAtMs[i]` is the due time of `job.targets[i]`'s cluster: a newer trigger of the same pairs is a new job. */
export function verifyTargetsJobId(job: VerifyTargetsJob, dueAtMs: readonly number[]): string {
  const hash = createHash('sha1');
  job.targets.forEach((t, i) => hash.update(`${t.clusterId}\n${dueAtMs[i] ?? 0}\n${t.digests.join('\n')}\n\n`));
  return `vt-${job.orgId}-${hash.digest('hex')}`;
}

export function verifyPolicyJobId(job: VerifyPolicyJob): string {
  return `vp-${job.changeId}`;
}

/**
 * SBOM derivation (libs/images `ImageSbomService.ensureSbom`): when a digest is
 * first observed in an org, or asked for at admission. `image_sboms` is the
 * record; the `sbom.sweep` tick re-adds jobs for running digests that still
 * have none (a failed job's retained id keeps it from being retried at once).
 */
export interface SbomJobs {
  /** Derive (or find) the SBOM of one digest for one org, then re-verify it where it runs. */
  'sbom.derive': SbomJob;
  /** Scheduled: rebuilds lost `sbom.derive` jobs, a bounded slice per tick. */
  'sbom.sweep': Record<string, never>;
}

export interface SbomJob {
  orgId: string;
  digest: string;
  /** A reference the org ran (or asked to run) the digest under: where its content is read from. */
  ref: string;
}

/**
 * Registry trouble is retried with backoff; a hostile or malformed image is
 * not (the processor fails it as unrecoverable). Failed jobs stay 6 hours:
 * their id keeps the sweep from re-adding them until then.
 */
export const SBOM_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: true,
  removeOnFail: { age: 6 * 3600, count: 10000 },
};

/** Per org: registry credentials and attached SBOMs are per org (a shared catalog SBOM makes the second a read). */
export function sbomJobId(job: Pick<SbomJob, 'orgId' | 'digest'>): string {
  return `sbom-${job.orgId}-${job.digest.replace(':', '-')}`;
}

/**
 * Advisory re-matching ("vuln-import", libs/advisories). An import commits the
 * advisories and, in the same transaction, `advisory_matches_due` rows; the
 * `advisory.match` job re-matches the SBOMs those advisories can affect and
 * asks for re-verification where matches changed; the `advisory.sweep` tick
 * re-adds the job when due rows outlive theirs (a Redis flush, a dead worker).
 */
export interface AdvisoryMatchJobs {
  /** Re-match every due advisory (claimed in chunks), the import's own included. */
  'advisory.match': AdvisoryMatchJob;
  /** Scheduled: re-adds `advisory.match` when due rows have waited past their grace. */
  'advisory.sweep': Record<string, never>;
}

export interface AdvisoryMatchJob {
  /** The highest advisory revision the trigger made due: the job's index must reach it. */
  revision: string;
}

/** Failed jobs stay a day: the rows carry the failure (GET /v1/advisory-matching) and are due again with backoff. */
export const ADVISORY_MATCH_JOB_OPTIONS: JobsOptions = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: true,
  removeOnFail: { age: 24 * 3600, count: 1000 },
};

/** One job per import (its highest revision), or per sweep-observed state of the backlog. */
export function advisoryMatchJobId(job: AdvisoryMatchJob, dueAtMs = 0): string {
  return dueAtMs ? `am-${job.revision}-${dueAtMs}` : `am-${job.revision}`;
}

/** Scheduled fetch of the configured OSV feeds (VIGIL_ADVISORY_FEEDS); state per feed in `advisory_feeds`. */
export interface AdvisoryFeedJobs {
  'advisory.feeds': Record<string, never>;
}

/**
 * Folding ingested observations into the exposure rollup (workload_image_runs,
 * libs/inventory `InventoryFoldService`). Ingest appends the pods it touched to
 * `inventory_folds_due` in its transaction and, after commit, adds the
 * cluster's `inventory.fold` job; the `inventory.fold-sweep` tick re-adds it
 * for rows that waited too long (a lost job, a Redis flush).
 */
export interface InventoryFoldJobs {
  /** Fold every due row of one cluster (claimed in chunks, until none is left). */
  'inventory.fold': InventoryFoldJob;
  /** Scheduled: re-adds `inventory.fold` for clusters whose rows outlived their job. */
  'inventory.fold-sweep': Record<string, never>;
}

export interface InventoryFoldJob {
  orgId: string;
  clusterId: string;
}

/**
 * How long batches of one cluster coalesce into one fold: the job of a window
 * runs when the window ends, so every batch that commits inside the window is
 * folded by it, and a batch that commits while it runs falls into the next
 * window (a new job id), never onto the running job's id (BullMQ ignores an
 * add under the id of a job that still exists).
 */
export const INVENTORY_FOLD_WINDOW_MS = 1000;

/** Jobs leave Redis when done (the rows are the record); a failed one is retried, then left to the sweep. */
export const INVENTORY_FOLD_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: true,
  removeOnFail: { age: 3600, count: 1000 },
};

/** One job per cluster per window: `windowStart` is the window's start (ms since the epoch). */
export function inventoryFoldJobId(job: InventoryFoldJob, windowStart: number): string {
  return `fold-${job.clusterId}-${windowStart}`;
}
