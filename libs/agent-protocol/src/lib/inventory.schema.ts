import { z } from 'zod';
import {
  ContainerTypeSchema,
  DnsLabelSchema,
  IdSchema,
  ImageDigestSchema,
  ImageRefSchema,
  ObjectNameSchema,
  OwnerReferenceSchema,
  TimestampSchema,
  WorkloadOwnerSchema,
} from './common.schema';
import { PROTOCOL_LIMITS } from './limits';

/**
 * One container of a pod as observed. Containers whose status has no imageID yet
 * (still pulling) are left out by the agent: a decision or observation is always
 * about a digest, and the next delta carries them once they have one.
 */
export const ContainerObservationSchema = z.strictObject({
  name: DnsLabelSchema,
  type: ContainerTypeSchema,
  /** The reference from the pod spec, as written (tag or digest). */
  image: ImageRefSchema,
  /** From status.imageID via `parseImageDigestFromImageId`. */
  imageDigest: ImageDigestSchema,
  startedAt: TimestampSchema.optional(),
  terminatedAt: TimestampSchema.optional(),
});
export type ContainerObservation = z.infer<typeof ContainerObservationSchema>;

export const PodOpSchema = z.enum(['upsert', 'delete']);
export type PodOp = z.infer<typeof PodOpSchema>;

export const PodDeltaSchema = z
  .strictObject({
    op: PodOpSchema,
    uid: IdSchema,
    namespace: DnsLabelSchema,
    name: ObjectNameSchema,
    node: ObjectNameSchema.optional(),
    /** Resolved by the agent (ReplicaSet→Deployment, Job→CronJob) when it could. */
    owner: WorkloadOwnerSchema.optional(),
    /** Raw, so the platform can resolve what the agent could not. */
    ownerReferences: z.array(OwnerReferenceSchema).max(PROTOCOL_LIMITS.maxOwnerReferences).optional(),
    observedAt: TimestampSchema,
    /** On delete, the last known containers, so intervals close at their terminatedAt. */
    containers: z.array(ContainerObservationSchema).max(PROTOCOL_LIMITS.maxContainersPerPod),
  })
  .superRefine((pod, ctx) => {
    // Kubernetes keeps container names unique across all three container lists.
    const seen = new Set<string>();
    pod.containers.forEach((c, i) => {
      if (seen.has(c.name)) {
        ctx.addIssue({ code: 'custom', path: ['containers', i, 'name'], message: `duplicate container name "${c.name}"` });
      }
      seen.add(c.name);
    });
  });
export type PodDelta = z.infer<typeof PodDeltaSchema>;

export const InventoryBatchKindSchema = z.enum(['delta', 'snapshot']);
export type InventoryBatchKind = z.infer<typeof InventoryBatchKindSchema>;

/**
 * A snapshot larger than one batch is sent as parts with consecutive sequence
 * numbers; the platform closes missing intervals only when the `last` part lands.
 */
export const SnapshotPartSchema = z.strictObject({
  id: IdSchema,
  part: z.number().int().min(0).max(1_000_000),
  last: z.boolean(),
});
export type SnapshotPart = z.infer<typeof SnapshotPartSchema>;

/** A Lease's `leaseTransitions` is an int32 in the Kubernetes API. */
export const MAX_LEADER_TERM = 2 ** 31 - 1;

/** POST /v1/agent/inventory (signed). */
export const InventoryBatchSchema = z
  .strictObject({
    /** One sequence per agent process (a cluster may run several replicas). */
    agentId: IdSchema,
    /** Starts at 1 and grows by one per batch; a retry reuses its number. */
    sequence: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
    kind: InventoryBatchKindSchema,
    snapshot: SnapshotPartSchema.optional(),
    sentAt: TimestampSchema,
    /**
     * Fencing token: the sender's leader term (the Lease's `leaseTransitions`
     * when it became the leader). The platform keeps the highest term seen per
     * cluster and refuses a batch of a lower one with 409 (a deposed leader's
     * late batch). Absent with leader election off: accepted as before.
     */
    term: z.number().int().min(0).max(MAX_LEADER_TERM).optional(),
    pods: z.array(PodDeltaSchema).max(PROTOCOL_LIMITS.maxPodsPerBatch),
  })
  .superRefine((batch, ctx) => {
    if (batch.kind === 'snapshot' && !batch.snapshot) {
      ctx.addIssue({ code: 'custom', path: ['snapshot'], message: 'required when kind is "snapshot"' });
    }
    if (batch.kind === 'delta' && batch.snapshot) {
      ctx.addIssue({ code: 'custom', path: ['snapshot'], message: 'only allowed when kind is "snapshot"' });
    }
    const total = batch.pods.reduce((n, p) => n + p.containers.length, 0);
    if (total > PROTOCOL_LIMITS.maxContainersPerBatch) {
      ctx.addIssue({
        code: 'custom',
        path: ['pods'],
        message: `at most ${PROTOCOL_LIMITS.maxContainersPerBatch} containers per batch (got ${total})`,
      });
    }
    if (batch.kind === 'snapshot') {
      // A snapshot states what exists; deletes and repeats would make "missing" ambiguous.
      const uids = new Set<string>();
      batch.pods.forEach((p, i) => {
        if (p.op !== 'upsert') ctx.addIssue({ code: 'custom', path: ['pods', i, 'op'], message: 'a snapshot lists only upserts' });
        if (uids.has(p.uid)) ctx.addIssue({ code: 'custom', path: ['pods', i, 'uid'], message: `duplicate pod uid in snapshot` });
        uids.add(p.uid);
      });
    }
  });
export type InventoryBatch = z.infer<typeof InventoryBatchSchema>;

/**
 * `expectedSequence` is the next number the platform wants from this agent.
 * A gap is still applied (deltas are upserts) but answered with
 * `snapshotRequested: true`, so whatever fell into the gap is reconciled.
 */
export const InventoryResponseSchema = z.object({
  applied: z.boolean(),
  duplicate: z.boolean(),
  expectedSequence: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  snapshotRequested: z.boolean(),
});
export type InventoryResponse = z.infer<typeof InventoryResponseSchema>;

/**
 * The message of the platform's 409 answer to an inventory batch whose `term`
 * is lower than the highest the cluster has sent: the sender is no longer the
 * leader and must stop (retrying cannot succeed). 409 on this endpoint means
 * nothing else.
 */
export function inventoryTermSupersededMessage(term: number, highestTerm: number): string {
  return `inventory batch of leader term ${term} is superseded by term ${highestTerm}`;
}
