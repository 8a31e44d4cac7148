import { z } from 'zod';
import { ADMISSION_KINDS, AdmissionImage, AdmissionKind, OwnerReference, PROTOCOL_LIMITS } from '@vigil/agent-protocol';

// Parsing of AdmissionReview admission.k8s.io/v1 and v1beta1 (same request
// shape) and extraction of images. Pure: no I/O, so every kind and every
// malformed shape is tested in milliseconds.

const ContainerSchema = z.object({ name: z.string().min(1), image: z.string().min(1) }).loose();
const ContainerListSchema = z.array(ContainerSchema).optional();
const PodSpecSchema = z
  .object({ containers: ContainerListSchema, initContainers: ContainerListSchema, ephemeralContainers: ContainerListSchema })
  .loose();

const MetadataSchema = z
  .object({
    name: z.string().optional(),
    generateName: z.string().optional(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    ownerReferences: z.array(z.object({ apiVersion: z.string(), kind: z.string(), name: z.string(), uid: z.string(), controller: z.boolean().optional() }).loose()).optional(),
  })
  .loose();

const ReviewSchema = z.object({
  apiVersion: z.enum(['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']),
  kind: z.literal('AdmissionReview'),
  request: z.object({
    uid: z.string().min(1).max(128),
    kind: z.object({ group: z.string(), version: z.string(), kind: z.string() }),
    subResource: z.string().optional(),
    name: z.string().optional(),
    namespace: z.string().optional(),
    operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
    userInfo: z.object({ username: z.string().optional(), uid: z.string().optional(), groups: z.array(z.string()).optional() }).loose().optional(),
    object: z.unknown().optional(),
    dryRun: z.boolean().optional(),
  }),
});

export type ReviewApiVersion = z.infer<typeof ReviewSchema>['apiVersion'];

export interface ParsedReview {
  apiVersion: ReviewApiVersion;
  uid: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  dryRun: boolean;
  /** undefined when the kind is not one the webhook handles. */
  kind: AdmissionKind | undefined;
  rawKind: string;
  namespace: string;
  name: string;
  generateName?: string;
  labels: Record<string, string>;
  ownerReferences: OwnerReference[];
  images: AdmissionImage[];
  user?: { username: string; uid?: string; groups?: string[] };
}

export type ParseResult = { ok: true; review: ParsedReview } | { ok: false; error: string; apiVersion?: string; uid?: string };

/** Where each kind keeps its pod spec. CronJob nests a Job template. */
function podSpecOf(kind: AdmissionKind, object: Record<string, unknown>): unknown {
  const spec = object.spec as Record<string, any> | undefined;
  if (kind === 'Pod') return spec;
  if (kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec;
  return spec?.template?.spec;
}

const LABEL_KEY = /^([a-z0-9.-]{1,253}\/)?[A-Za-z0-9._-]{1,63}$/;
const LABEL_VALUE = /^[A-Za-z0-9._-]{0,63}$/;

/** Labels the protocol accepts; the apiserver already validated them, this only bounds the count. */
function boundedLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const entries = Object.entries(labels ?? {}).filter(([k, v]) => LABEL_KEY.test(k) && LABEL_VALUE.test(v));
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)).slice(0, PROTOCOL_LIMITS.maxLabels));
}

export function parseAdmissionReview(body: unknown): ParseResult {
  const parsed = ReviewSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const raw = body as { apiVersion?: unknown; request?: { uid?: unknown } } | null;
    return {
      ok: false,
      error: `not an AdmissionReview: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
      apiVersion: typeof raw?.apiVersion === 'string' ? raw.apiVersion : undefined,
      uid: typeof raw?.request?.uid === 'string' ? raw.request.uid : undefined,
    };
  }
  const { apiVersion, request } = parsed.data;
  const kind = (ADMISSION_KINDS as readonly string[]).includes(request.kind.kind) ? (request.kind.kind as AdmissionKind) : undefined;
  const base = {
    apiVersion,
    uid: request.uid,
    operation: request.operation,
    dryRun: request.dryRun === true,
    kind,
    rawKind: request.kind.kind,
    namespace: request.namespace ?? '',
    name: request.name ?? '',
    labels: {},
    ownerReferences: [],
    images: [],
    user: request.userInfo?.username
      ? {
          username: request.userInfo.username.slice(0, 512),
          ...(request.userInfo.uid ? { uid: request.userInfo.uid.slice(0, 256) } : {}),
          ...(request.userInfo.groups ? { groups: request.userInfo.groups.filter(Boolean).slice(0, PROTOCOL_LIMITS.maxUserGroups) } : {}),
        }
      : undefined,
  } satisfies ParsedReview;
  // DELETE carries no object; CONNECT and unknown kinds are not ours to inspect.
  if (!kind || request.operation === 'DELETE' || request.operation === 'CONNECT') return { ok: true, review: base };

  const object = request.object;
  if (!object || typeof object !== 'object') return { ok: false, error: `request.object is required for ${request.operation}`, apiVersion, uid: request.uid };
  const metadata = MetadataSchema.safeParse((object as Record<string, unknown>).metadata ?? {});
  if (!metadata.success) return { ok: false, error: `request.object.metadata: ${metadata.error.issues[0]?.message}`, apiVersion, uid: request.uid };
  const spec = PodSpecSchema.safeParse(podSpecOf(kind, object as Record<string, unknown>));
  if (!spec.success) {
    const issue = spec.error.issues[0];
    return { ok: false, error: `${kind} pod spec: ${issue?.path.join('.') || '(missing)'}: ${issue?.message}`, apiVersion, uid: request.uid };
  }
  const images: AdmissionImage[] = [
    ...(spec.data.containers ?? []).map((c) => ({ container: c.name, type: 'container' as const, ref: c.image })),
    ...(spec.data.initContainers ?? []).map((c) => ({ container: c.name, type: 'init' as const, ref: c.image })),
    ...(spec.data.ephemeralContainers ?? []).map((c) => ({ container: c.name, type: 'ephemeral' as const, ref: c.image })),
  ];
  if (images.length > PROTOCOL_LIMITS.maxAdmissionImages) return { ok: false, error: `more than ${PROTOCOL_LIMITS.maxAdmissionImages} containers`, apiVersion, uid: request.uid };
  const m = metadata.data;
  return {
    ok: true,
    review: {
      ...base,
      namespace: request.namespace ?? m.namespace ?? '',
      name: request.name ?? m.name ?? '',
      ...(m.generateName ? { generateName: m.generateName } : {}),
      labels: boundedLabels(m.labels),
      ownerReferences: (m.ownerReferences ?? []).slice(0, PROTOCOL_LIMITS.maxOwnerReferences).map((r) => ({
        apiVersion: r.apiVersion,
        kind: r.kind,
        name: r.name,
        uid: r.uid,
        ...(r.controller !== undefined ? { controller: r.controller } : {}),
      })),
      images,
    },
  };
}

export interface ReviewAnswer {
  allowed: boolean;
  code?: number;
  message?: string;
  warnings?: string[];
}

/** The AdmissionReview response, in the apiVersion the apiserver sent (it requires the match). */
export function admissionReviewResponse(apiVersion: string | undefined, uid: string, answer: ReviewAnswer): unknown {
  return {
    apiVersion: apiVersion === 'admission.k8s.io/v1beta1' ? 'admission.k8s.io/v1beta1' : 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: answer.allowed,
      ...(answer.message ? { status: { code: answer.code ?? (answer.allowed ? 200 : 403), message: answer.message } } : {}),
      ...(answer.warnings?.length ? { warnings: answer.warnings } : {}),
    },
  };
}
