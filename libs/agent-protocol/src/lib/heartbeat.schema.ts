import { z } from 'zod';
import { IdSchema, TimestampSchema, VersionStringSchema } from './common.schema';

/** POST /v1/agent/heartbeat (signed). */
export const HeartbeatRequestSchema = z.strictObject({
  agentId: IdSchema,
  agentVersion: VersionStringSchema,
  kubernetesVersion: VersionStringSchema,
  /**
   * Nodes seen running pods, from the pod inventory. Only the replica that runs
   * the inventory (the leader) knows it; the others leave it out and the
   * platform keeps the last value it was given.
   */
  nodeCount: z.number().int().min(0).max(1_000_000).optional(),
  sentAt: TimestampSchema,
});
export type HeartbeatRequest = z.infer<typeof HeartbeatRequestSchema>;

export const HeartbeatResponseSchema = z.object({
  /** Lets the agent notice clock drift before its signatures fall outside the window. */
  serverTime: TimestampSchema,
  /** Changes whenever any policy affecting this cluster changes; the agent drops cached decisions. */
  policyStateToken: z.string().min(1).max(256),
  nextHeartbeatSeconds: z.number().int().min(1).max(3600),
  /** True when commands are queued, so the agent polls at once instead of waiting. */
  commandsPending: z.boolean(),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;
