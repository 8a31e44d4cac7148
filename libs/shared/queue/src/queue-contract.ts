import type { JobsOptions } from 'bullmq';

/**
 * The one place that names queues and jobs (STYLE habit 9). Payloads carry
 * ids, never blobs; Postgres holds the truth, so a lost job is rebuilt by a sweep.
 */
export const QUEUE_NAMES = {
  housekeeping: 'housekeeping',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

export interface HousekeepingJobs {
  /** Marks clusters unhealthy, enforces retention; scheduled, no payload needed. */
  'housekeeping.tick': Record<string, never>;
}

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};
