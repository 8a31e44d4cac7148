import { ADMISSION_KINDS, AdmissionImage, AdmissionKind, OwnerReference, PROTOCOL_LIMITS } from '@vigil/agent-protocol';
import { checkMetadata, checkPodSpec, checkReview, type ObjectMetadata, type PodSpec } from './admission-review.check';

// Parsing of AdmissionReview admission.k8s.io/v1 and v1beta1 (same request
// shape) and extraction of images. Pure: no I/O, so every kind and every
// malformed shape is tested in milliseconds. Every review is checked in full
// (admission-review.check.ts); labels, owners and the user are only shaped for
// the platform when the platform is asked (`platformFields`), which a warm
// cache never does.

export type ReviewApiVersion = 'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1';

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
  images: AdmissionImage[];
  /** As checked; read by `platformFields` only. */
  metadata: ObjectMetadata;
  userInfo?: { username?: string; uid?: string; groups?: string[] };
}

export type ParseResult = { ok: true; review: ParsedReview } | { ok: false; error: string; apiVersion?: string; uid?: string };

const HANDLED_KINDS: ReadonlySet<string> = new Set(ADMISSION_KINDS);

/** Where each kind keeps its pod spec. CronJob nests a Job template. */
export function podSpecOf(kind: AdmissionKind, object: Record<string, unknown>): unknown {
  const spec = object.spec as Record<string, any> | undefined;
  if (kind === 'Pod') return spec;
  if (kind === 'CronJob') return spec?.jobTemplate?.spec?.template?.spec;
  return spec?.template?.spec;
}

function imagesOf(spec: PodSpec): AdmissionImage[] {
  const images: AdmissionImage[] = [];
  for (const c of spec.containers ?? []) images.push({ container: c.name, type: 'container', ref: c.image });
  for (const c of spec.initContainers ?? []) images.push({ container: c.name, type: 'init', ref: c.image });
  for (const c of spec.ephemeralContainers ?? []) images.push({ container: c.name, type: 'ephemeral', ref: c.image });
  return images;
}

export function parseAdmissionReview(body: unknown): ParseResult {
  const review = checkReview(body);
  if (!review.ok) {
    const raw = body as { apiVersion?: unknown; request?: { uid?: unknown } } | null;
    return {
      ok: false,
      error: `not an AdmissionReview: ${review.error}`,
      apiVersion: typeof raw?.apiVersion === 'string' ? raw.apiVersion : undefined,
      uid: typeof raw?.request?.uid === 'string' ? raw.request.uid : undefined,
    };
  }
  const { apiVersion, request } = review.value;
  const kind = HANDLED_KINDS.has(request.kind.kind) ? (request.kind.kind as AdmissionKind) : undefined;
  const base: ParsedReview = {
    apiVersion,
    uid: request.uid,
    operation: request.operation,
    dryRun: request.dryRun === true,
    kind,
    rawKind: request.kind.kind,
    namespace: request.namespace ?? '',
    name: request.name ?? '',
    images: [],
    metadata: {},
    userInfo: request.userInfo,
  };
  // DELETE carries no object; CONNECT and unknown kinds are not ours to inspect.
  if (!kind || request.operation === 'DELETE' || request.operation === 'CONNECT') return { ok: true, review: base };

  const object = request.object;
  if (!object || typeof object !== 'object') return { ok: false, error: `request.object is required for ${request.operation}`, apiVersion, uid: request.uid };
  const metadata = checkMetadata((object as Record<string, unknown>).metadata ?? {});
  if (!metadata.ok) return { ok: false, error: `request.object.metadata: ${metadata.error}`, apiVersion, uid: request.uid };
  const spec = checkPodSpec(podSpecOf(kind, object as Record<string, unknown>));
  if (!spec.ok) return { ok: false, error: `${kind} pod spec: ${spec.error}`, apiVersion, uid: request.uid };
  const images = imagesOf(spec.value);
  if (images.length > PROTOCOL_LIMITS.maxAdmissionImages) return { ok: false, error: `more than ${PROTOCOL_LIMITS.maxAdmissionImages} containers`, apiVersion, uid: request.uid };
  const m = metadata.value;
  return {
    ok: true,
    review: {
      ...base,
      namespace: request.namespace ?? m.namespace ?? '',
      name: request.name ?? m.name ?? '',
      ...(m.generateName ? { generateName: m.generateName } : {}),
      images,
      metadata: m,
    },
  };
}

const LABEL_KEY = /^([a-z0-9.-]{1,253}\/)?[A-Za-z0-9._-]{1,63}$/;
const LABEL_VALUE = /^[A-Za-z0-9._-]{0,63}$/;

/** Labels the protocol accepts; the apiserver already validated them, this only bounds the count. */
function boundedLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const entries = Object.entries(labels ?? {}).filter(([k, v]) => LABEL_KEY.test(k) && LABEL_VALUE.test(v));
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)).slice(0, PROTOCOL_LIMITS.maxLabels));
}

export interface PlatformFields {
  labels: Record<string, string>;
  ownerReferences: OwnerReference[];
  user?: { username: string; uid?: string; groups?: string[] };
}

/** What the platform gets besides the images, bounded to the protocol's limits. */
export function platformFields(r: ParsedReview): PlatformFields {
  const u = r.userInfo;
  return {
    labels: boundedLabels(r.metadata.labels),
    ownerReferences: (r.metadata.ownerReferences ?? []).slice(0, PROTOCOL_LIMITS.maxOwnerReferences).map((o) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      name: o.name,
      uid: o.uid,
      ...(o.controller !== undefined ? { controller: o.controller } : {}),
    })),
    ...(u?.username
      ? {
          user: {
            username: u.username.slice(0, 512),
            ...(u.uid ? { uid: u.uid.slice(0, 256) } : {}),
            ...(u.groups ? { groups: u.groups.filter(Boolean).slice(0, PROTOCOL_LIMITS.maxUserGroups) } : {}),
          },
        }
      : {}),
  };
}
