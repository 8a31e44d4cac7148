import { z } from 'zod';
import {
  ContainerTypeSchema,
  DnsLabelSchema,
  IdSchema,
  ImageDigestSchema,
  ImageRefSchema,
  LabelsSchema,
  MessageListSchema,
  ObjectNameSchema,
  WorkloadOwnerSchema,
} from './common.schema';
import { PROTOCOL_LIMITS } from './limits';

/** Every kind the agent's webhook extracts a pod template from. */
export const ADMISSION_KINDS = [
  'Pod',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'ReplicationController',
] as const;
export const AdmissionKindSchema = z.enum(ADMISSION_KINDS);
export type AdmissionKind = z.infer<typeof AdmissionKindSchema>;

/** DELETE and CONNECT are answered by the agent without asking the platform. */
export const AdmissionOperationSchema = z.enum(['CREATE', 'UPDATE']);

export const AdmissionImageSchema = z.strictObject({
  container: DnsLabelSchema,
  type: ContainerTypeSchema,
  /** As written in the spec; the platform resolves tags to digests. */
  ref: ImageRefSchema,
});
export type AdmissionImage = z.infer<typeof AdmissionImageSchema>;

export const AdmissionUserSchema = z.strictObject({
  username: z.string().min(1).max(512),
  uid: z.string().max(256).optional(),
  groups: z.array(z.string().min(1).max(512)).max(PROTOCOL_LIMITS.maxUserGroups).optional(),
});

/** POST /v1/agent/admission (signed). Metadata only — never env, secrets or annotations. */
export const AdmissionRequestSchema = z.strictObject({
  /** The AdmissionReview request uid, for correlation in the admission event. */
  uid: IdSchema,
  kind: AdmissionKindSchema,
  namespace: DnsLabelSchema,
  /** Empty at CREATE when the object only has generateName (pods of a ReplicaSet). */
  name: z.union([z.literal(''), ObjectNameSchema]),
  generateName: z.string().max(253).optional(),
  operation: AdmissionOperationSchema,
  owner: WorkloadOwnerSchema.optional(),
  labels: LabelsSchema,
  images: z.array(AdmissionImageSchema).min(1).max(PROTOCOL_LIMITS.maxAdmissionImages),
  user: AdmissionUserSchema.optional(),
});
export type AdmissionRequest = z.infer<typeof AdmissionRequestSchema>;

/**
 * Per-image verdict. It carries its own warnings and reasons because the agent
 * caches decisions per (digest, policyStateToken) and must rebuild a full answer
 * from the cache alone.
 */
export const ImageDecisionSchema = z.object({
  image: ImageRefSchema,
  /** Absent when the platform could not resolve the reference to a digest. */
  digest: ImageDigestSchema.optional(),
  allowed: z.boolean(),
  warnings: MessageListSchema.default([]),
  reasons: MessageListSchema.default([]),
  /** 0 means do not cache (e.g. the tag could not be resolved). */
  cacheTtlSeconds: z.number().int().min(0).max(86_400),
});
export type ImageDecision = z.infer<typeof ImageDecisionSchema>;

export const AdmissionResponseSchema = z.object({
  allowed: z.boolean(),
  warnings: MessageListSchema,
  reasons: MessageListSchema,
  /** Opaque; changes with any policy revision that affects this cluster. Part of the cache key. */
  policyStateToken: z.string().min(1).max(256),
  decisions: z.array(ImageDecisionSchema).max(PROTOCOL_LIMITS.maxAdmissionImages),
});
export type AdmissionResponse = z.infer<typeof AdmissionResponseSchema>;
