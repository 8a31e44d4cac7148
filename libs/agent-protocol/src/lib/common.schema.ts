import { z } from 'zod';
import { PROTOCOL_LIMITS } from './limits';

// Primitives shared by every message. Where the kube-apiserver already validated a
// value (names, labels) we only bound length and charset: a rule stricter than the
// apiserver's would deny legitimate admissions in a fail-closed cluster.

/** Printable ASCII without spaces; keeps ids safe in logs, headers and SQL literals. */
const PRINTABLE = /^[\x21-\x7e]+$/;

export const IMAGE_DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

/** Opaque identifiers minted by either end (cluster, key, agent, command ids). */
export const IdSchema = z
  .string()
  .min(1, { abort: true })
  .max(PROTOCOL_LIMITS.maxIdLength, { abort: true })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be letters, digits, ".", "_", ":" or "-"');

export const ImageDigestSchema = z
  .string()
  .regex(IMAGE_DIGEST_PATTERN, 'must be sha256:<64 lowercase hex>');

export const ImageRefSchema = z
  .string()
  .min(1, { abort: true })
  .max(PROTOCOL_LIMITS.maxImageRefLength, { abort: true })
  .regex(PRINTABLE, 'must be printable ASCII without spaces');

/** RFC 3339 as Kubernetes and JSON.stringify(Date) write it; an offset is allowed. */
export const TimestampSchema = z.iso.datetime({ offset: true, message: 'must be an RFC 3339 timestamp' });

/** A DNS-1123 label: namespaces and container names. Stable since Kubernetes 1.0. */
export const DnsLabelSchema = z
  .string()
  .min(1, { abort: true })
  .max(63, { abort: true })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label');

/** Any Kubernetes object name (rules differ per kind; all are path-segment safe). */
export const ObjectNameSchema = z
  .string()
  .min(1, { abort: true })
  .max(253, { abort: true })
  .regex(PRINTABLE, 'must be printable ASCII without spaces')
  .refine((s) => !s.includes('/') && s !== '.' && s !== '..', 'must be a valid object name');

export const KindSchema = z
  .string()
  .min(1, { abort: true })
  .max(63, { abort: true })
  .regex(/^[A-Z][A-Za-z0-9]*$/, 'must be a Kubernetes kind, e.g. Deployment');

export const ApiVersionSchema = z
  .string()
  .min(1, { abort: true })
  .max(253, { abort: true })
  .regex(/^([a-z0-9.-]+\/)?v[0-9a-z]+$/, 'must be an apiVersion, e.g. apps/v1');

export const VersionStringSchema = z
  .string()
  .min(1, { abort: true })
  .max(PROTOCOL_LIMITS.maxVersionLength, { abort: true })
  .regex(PRINTABLE, 'must be printable ASCII without spaces');

export const MessageTextSchema = z.string().min(1).max(PROTOCOL_LIMITS.maxMessageLength);
export const MessageListSchema = z.array(MessageTextSchema).max(PROTOCOL_LIMITS.maxMessages);

/** The workload a pod belongs to, after ReplicaSet→Deployment / Job→CronJob resolution. */
export const WorkloadOwnerSchema = z.strictObject({
  kind: KindSchema,
  name: ObjectNameSchema,
});
export type WorkloadOwner = z.infer<typeof WorkloadOwnerSchema>;

/** metadata.ownerReferences as the apiserver returns them, minus nothing we need. */
export const OwnerReferenceSchema = z.strictObject({
  apiVersion: ApiVersionSchema,
  kind: KindSchema,
  name: ObjectNameSchema,
  uid: IdSchema,
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});
export type OwnerReference = z.infer<typeof OwnerReferenceSchema>;

export const ContainerTypeSchema = z.enum(['container', 'init', 'ephemeral']);
export type ContainerType = z.infer<typeof ContainerTypeSchema>;

const LABEL_KEY = /^([a-z0-9.-]{1,253}\/)?[A-Za-z0-9._-]{1,63}$/;
const LABEL_VALUE = /^[A-Za-z0-9._-]{0,63}$/;

export const LabelsSchema = z
  .record(z.string().regex(LABEL_KEY, 'must be a Kubernetes label key'), z.string().regex(LABEL_VALUE, 'must be a Kubernetes label value'))
  .refine((labels) => Object.keys(labels).length <= PROTOCOL_LIMITS.maxLabels, {
    message: `must have at most ${PROTOCOL_LIMITS.maxLabels} labels`,
  });
