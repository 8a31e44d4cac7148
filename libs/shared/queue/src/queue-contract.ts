import type { JobsOptions } from 'bullmq';

/**
 * The one place that names queues and jobs (STYLE habit 9). Payloads carry
 * ids, never blobs; Postgres holds the truth, so a lost job is rebuilt by a sweep.
 */
export const QUEUE_NAMES = {
  housekeeping: 'housekeeping',
  deliver: 'deliver',
  deliverySweep: 'delivery-sweep',
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
