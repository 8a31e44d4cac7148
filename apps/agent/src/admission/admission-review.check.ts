// Hand-written checks of the AdmissionReview fields the agent reads, on the
// hot path of every admission (zod took a third of the agent's own CPU time
// here). The shape, as the apiserver sends it (unknown fields are ignored):
//
//   { apiVersion: 'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1', kind: 'AdmissionReview',
//     request: { uid: string (1..128), kind: { group, version, kind: string },
//                subResource?, name?, namespace?: string,
//                operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT',
//                userInfo?: { username?, uid?: string, groups?: string[] },
//                object?: unknown, dryRun?: boolean } }
//   object.metadata (null or absent = {}): { name?, generateName?, namespace?: string,
//                labels?: { [key]: string }, ownerReferences?: { apiVersion, kind, name, uid: string, controller?: boolean }[] }
//   pod spec: { containers?, initContainers?, ephemeralContainers?: { name: non-empty string, image: non-empty string }[] }
//
// admission-review.property.spec.ts holds the zod schemas these replaced and
// checks that both accept and reject exactly the same documents.

export type Check<T> = { ok: true; value: T } | { ok: false; error: string };

export interface CheckedReview {
  apiVersion: 'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1';
  request: {
    uid: string;
    kind: { group: string; version: string; kind: string };
    name?: string;
    namespace?: string;
    operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
    userInfo?: { username?: string; uid?: string; groups?: string[] };
    object?: unknown;
    dryRun?: boolean;
  };
}

export interface ObjectMetadata {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
}

export interface Container {
  name: string;
  image: string;
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
}

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isOptionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const isOptionalBoolean = (v: unknown): boolean => v === undefined || typeof v === 'boolean';
const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

const OPERATIONS: ReadonlySet<unknown> = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']);

/** The first optional-string field of `o` that is present but not a string. */
function badOptionalString(o: Obj, fields: readonly string[]): string | undefined {
  for (const f of fields) if (!isOptionalString(o[f])) return f;
  return undefined;
}

function checkUserInfo(u: unknown): string | undefined {
  if (u === undefined) return undefined;
  if (!isObject(u)) return 'request.userInfo: expected an object';
  const bad = badOptionalString(u, ['username', 'uid']);
  if (bad) return `request.userInfo.${bad}: expected a string`;
  const groups = u.groups;
  if (groups !== undefined && !(Array.isArray(groups) && groups.every((g) => typeof g === 'string'))) return 'request.userInfo.groups: expected a list of strings';
  return undefined;
}

export function checkReview(body: unknown): Check<CheckedReview> {
  if (!isObject(body)) return fail('(root): expected an object');
  if (body.apiVersion !== 'admission.k8s.io/v1' && body.apiVersion !== 'admission.k8s.io/v1beta1') return fail('apiVersion: expected "admission.k8s.io/v1" or "admission.k8s.io/v1beta1"');
  if (body.kind !== 'AdmissionReview') return fail('kind: expected "AdmissionReview"');
  const r = body.request;
  if (!isObject(r)) return fail('request: expected an object');
  if (typeof r.uid !== 'string' || r.uid.length < 1 || r.uid.length > 128) return fail('request.uid: expected a string of 1 to 128 characters');
  const k = r.kind;
  if (!isObject(k) || typeof k.group !== 'string' || typeof k.version !== 'string' || typeof k.kind !== 'string') return fail('request.kind: expected an object with string group, version and kind');
  const bad = badOptionalString(r, ['subResource', 'name', 'namespace']);
  if (bad) return fail(`request.${bad}: expected a string`);
  if (!OPERATIONS.has(r.operation)) return fail('request.operation: expected CREATE, UPDATE, DELETE or CONNECT');
  const userInfo = checkUserInfo(r.userInfo);
  if (userInfo) return fail(userInfo);
  if (!isOptionalBoolean(r.dryRun)) return fail('request.dryRun: expected a boolean');
  return { ok: true, value: body as unknown as CheckedReview };
}

function checkOwnerReference(o: unknown): boolean {
  return isObject(o) && typeof o.apiVersion === 'string' && typeof o.kind === 'string' && typeof o.name === 'string' && typeof o.uid === 'string' && isOptionalBoolean(o.controller);
}

export function checkMetadata(m: unknown): Check<ObjectMetadata> {
  if (!isObject(m)) return fail('expected an object');
  const bad = badOptionalString(m, ['name', 'generateName', 'namespace']);
  if (bad) return fail(`${bad}: expected a string`);
  const labels = m.labels;
  if (labels !== undefined) {
    if (!isObject(labels)) return fail('labels: expected an object of strings');
    for (const key of Object.keys(labels)) if (typeof labels[key] !== 'string') return fail(`labels.${key}: expected a string`);
  }
  const owners = m.ownerReferences;
  if (owners !== undefined) {
    if (!Array.isArray(owners)) return fail('ownerReferences: expected a list');
    const i = owners.findIndex((o) => !checkOwnerReference(o));
    if (i >= 0) return fail(`ownerReferences.${i}: expected apiVersion, kind, name and uid strings (and controller a boolean)`);
  }
  return { ok: true, value: m as ObjectMetadata };
}

const isContainer = (c: unknown): boolean => isObject(c) && typeof c.name === 'string' && c.name.length > 0 && typeof c.image === 'string' && c.image.length > 0;

export function checkPodSpec(spec: unknown): Check<PodSpec> {
  if (!isObject(spec)) return fail('(missing): expected an object');
  for (const field of ['containers', 'initContainers', 'ephemeralContainers'] as const) {
    const list = spec[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return fail(`${field}: expected a list`);
    const i = list.findIndex((c) => !isContainer(c));
    if (i >= 0) return fail(`${field}.${i}: expected non-empty name and image strings`);
  }
  return { ok: true, value: spec as PodSpec };
}
