import fc from 'fast-check';
import { z } from 'zod';
import { ADMISSION_KINDS, AdmissionKind, PROTOCOL_LIMITS } from '@vigil/agent-protocol';
import { KIND_OBJECTS, admissionReview } from '../../../../test/agent/support/admission-reviews';
import { parseAdmissionReview, platformFields, podSpecOf } from './admission-review';

// The zod schemas the agent validated reviews with until the hand-written
// checks replaced them (admission-review.check.ts). They stay here as the
// reference: on real-shaped reviews with random damage, the new parser must
// accept exactly what these accepted, and extract the same fields.

const ContainerSchema = z.object({ name: z.string().min(1), image: z.string().min(1) }).loose();
const ContainerListSchema = z.array(ContainerSchema).optional();
const PodSpecSchema = z.object({ containers: ContainerListSchema, initContainers: ContainerListSchema, ephemeralContainers: ContainerListSchema }).loose();
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

/** What the schema-based parser decided and extracted (its control flow, unchanged). */
function referenceParse(body: unknown) {
  const parsed = ReviewSchema.safeParse(body);
  if (!parsed.success) return { ok: false as const };
  const { apiVersion, request } = parsed.data;
  const kind = (ADMISSION_KINDS as readonly string[]).includes(request.kind.kind) ? (request.kind.kind as AdmissionKind) : undefined;
  const base = { apiVersion, uid: request.uid, operation: request.operation, dryRun: request.dryRun === true, kind, namespace: request.namespace ?? '', name: request.name ?? '', images: [] as unknown[], metadata: {} as z.infer<typeof MetadataSchema> };
  if (!kind || request.operation === 'DELETE' || request.operation === 'CONNECT') return { ok: true as const, review: base };
  const object = request.object;
  if (!object || typeof object !== 'object') return { ok: false as const };
  const metadata = MetadataSchema.safeParse((object as Record<string, unknown>).metadata ?? {});
  if (!metadata.success) return { ok: false as const };
  const spec = PodSpecSchema.safeParse(podSpecOf(kind, object as Record<string, unknown>));
  if (!spec.success) return { ok: false as const };
  const images = [
    ...(spec.data.containers ?? []).map((c) => ({ container: c.name, type: 'container', ref: c.image })),
    ...(spec.data.initContainers ?? []).map((c) => ({ container: c.name, type: 'init', ref: c.image })),
    ...(spec.data.ephemeralContainers ?? []).map((c) => ({ container: c.name, type: 'ephemeral', ref: c.image })),
  ];
  if (images.length > PROTOCOL_LIMITS.maxAdmissionImages) return { ok: false as const };
  const m = metadata.data;
  return { ok: true as const, review: { ...base, namespace: request.namespace ?? m.namespace ?? '', name: request.name ?? m.name ?? '', ...(m.generateName ? { generateName: m.generateName } : {}), images, metadata: m } };
}

// ---------------------------------------------------------------- generators

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const OWNED_BY_REPLICASET = { generateName: 'web-7d4b9c5f6-', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c5f6', uid: '5b1e0c1a-9f3e-4c1b-8a7d-2f6e9b0c4d21', controller: true, blockOwnerDeletion: true }] };

function realShapedReview(input: Parameters<typeof admissionReview>[0], owned: boolean): Json {
  const review = JSON.parse(JSON.stringify(admissionReview({ ...input, uid: '705ab4f5-6393-11e8-b7cc-42010a800002' })));
  // A pod made by a controller, as most are.
  if (owned && review.request.object) Object.assign(review.request.object.metadata, OWNED_BY_REPLICASET);
  return review as Json;
}

const realReview = fc
  .record({
    kind: fc.constantFrom(...Object.keys(KIND_OBJECTS), 'ConfigMap', 'Service'),
    apiVersion: fc.constantFrom('admission.k8s.io/v1' as const, 'admission.k8s.io/v1beta1' as const),
    operation: fc.constantFrom('CREATE' as const, 'UPDATE' as const, 'DELETE' as const, 'CONNECT' as const),
    namespace: fc.constantFrom('shop', 'kube-system'),
    dryRun: fc.boolean(),
    owned: fc.boolean(),
  })
  .map(({ owned, ...input }) => realShapedReview(input, owned));

/** Values that sit on the schema's edges. */
const EDGE_VALUES: Json[] = [
    null, true, false, 0, 1, '', 'x', 'x'.repeat(128), 'x'.repeat(129), 'yes', 'CREATE', 'DELETE', 'Pod', 'CronJob', 'AdmissionReview', 'admission.k8s.io/v1', 'admission.k8s.io/v2',
    [], ['a'], [1], [{}], [null], {}, { a: 'b' }, { a: 1 }, { group: '', version: 'v1', kind: 'Pod' },
    [{ name: 'a', image: 'b' }], [{ name: '', image: 'b' }], [{ name: 'a', image: '' }], [{ name: 'a' }], [{ name: 'a', image: 'b', extra: 1 }],
    [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'n', uid: 'u' }], [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'n', uid: 'u', controller: 'yes' }], [{ kind: 'ReplicaSet', name: 'n', uid: 'u' }],
    { containers: [{ name: 'a', image: 'b' }] }, { template: { spec: {} } },
];
const replacement: fc.Arbitrary<Json> = fc.oneof(fc.constantFrom(...EDGE_VALUES), fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>);

/** Field names the parser reads, so absent optional fields get set too. */
const FIELD_NAMES = ['apiVersion', 'kind', 'request', 'uid', 'group', 'version', 'subResource', 'name', 'namespace', 'operation', 'userInfo', 'username', 'groups', 'object', 'dryRun',
  'metadata', 'generateName', 'labels', 'ownerReferences', 'controller', 'spec', 'template', 'jobTemplate', 'containers', 'initContainers', 'ephemeralContainers', 'image'];

/** Where the parser reads: most damage lands here (the rest anywhere, e.g. in oldObject, which must not matter). */
const READ_PATHS = [
  '', 'request', 'request.kind', 'request.userInfo', 'request.userInfo.groups', 'request.object', 'request.object.metadata', 'request.object.metadata.labels',
  'request.object.metadata.ownerReferences', 'request.object.metadata.ownerReferences.0', 'request.object.spec', 'request.object.spec.template',
  'request.object.spec.template.spec', 'request.object.spec.template.spec.containers', 'request.object.spec.template.spec.containers.0',
  'request.object.spec.template.spec.initContainers.0', 'request.object.spec.ephemeralContainers.0', 'request.object.spec.containers.0',
  'request.object.spec.jobTemplate.spec.template.spec', 'request.object.spec.jobTemplate.spec.template.spec.containers.0',
].map((p) => (p ? p.split('.') : []));

const mutation = fc.record({
  at: fc.oneof(fc.nat().map((i) => ({ anywhere: i })), fc.constantFrom(...READ_PATHS).map((path) => ({ path }))),
  field: fc.oneof(fc.nat(), fc.constantFrom(...FIELD_NAMES)),
  value: fc.option(replacement, { nil: undefined }),
});

type Node = Json[] | { [key: string]: Json };

/** Every object and array in the document. */
function containers(root: Json): Node[] {
  const found: Node[] = [];
  const walk = (v: Json) => {
    if (v === null || typeof v !== 'object') return;
    found.push(v);
    for (const child of Object.values(v)) walk(child);
  };
  walk(root);
  return found;
}

/** Sets, replaces or deletes (value undefined) one field somewhere in the document. */
function resolve(root: Json, path: readonly string[]): Node | undefined {
  let v: Json | undefined = root;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<string, Json>)[key] : undefined;
  return v !== null && typeof v === 'object' ? v : undefined;
}

function mutate(root: Json, m: { at: { anywhere: number } | { path: string[] }; field: number | string; value: Json | undefined }): Json {
  // A copy: constants are shared between runs, and inserting one twice could make a cycle.
  m = { ...m, value: m.value === undefined ? undefined : structuredClone(m.value) };
  const nodes = containers(root);
  if (nodes.length === 0) return m.value ?? root;
  const node = ('path' in m.at ? resolve(root, m.at.path) : nodes[m.at.anywhere % nodes.length]) ?? nodes[0]!;
  const keys = Object.keys(node);
  const key = typeof m.field === 'number' ? (keys.length ? keys[m.field % keys.length]! : '0') : m.field;
  if (Array.isArray(node)) {
    const i = Number(key);
    if (Number.isInteger(i) && i < node.length) m.value === undefined ? node.splice(i, 1) : (node[i] = m.value);
  } else if (m.value === undefined) delete node[key];
  else node[key] = m.value;
  return root;
}

const damagedReview = fc.tuple(realReview, fc.array(mutation, { minLength: 0, maxLength: 3 })).map(([review, mutations]) => mutations.reduce(mutate, review));

// ---------------------------------------------------------------- properties

const ERROR_SHAPE = /^(not an AdmissionReview: \S+: |request\.object|request\.object\.metadata: |\w+ pod spec: \S+: |more than )/;

/** JSON with sorted keys: zod's output objects differ in key order and prototype, not in content. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : value,
  );

/** Empty when the parser agrees with the reference on `body`, else what differs (cheap: runs tens of thousands of times). */
function differences(body: unknown): string {
  const expected = referenceParse(body);
  const actual = parseAdmissionReview(body);
  if (actual.ok !== expected.ok) return `parser ok=${actual.ok}, schemas ok=${expected.ok}${actual.ok ? '' : ` (${actual.error})`}`;
  if (!actual.ok) return ERROR_SHAPE.test(actual.error) ? '' : `unclear error: ${actual.error}`;
  if (!expected.ok) return '';
  const { apiVersion, uid, operation, dryRun, kind, namespace, name, images, generateName, metadata } = actual.review;
  const extracted = { apiVersion, uid, operation, dryRun, kind, namespace, name, images, ...(generateName ? { generateName } : {}), metadata };
  if (canonical(extracted) !== canonical(expected.review)) return `extracted ${JSON.stringify(extracted)}, schemas ${JSON.stringify(expected.review)}`;
  // What the platform is sent is derived from the same fields; it must never throw on accepted input.
  platformFields(actual.review);
  return '';
}

function expectSameAsReference(body: unknown): void {
  const found = differences(body);
  if (found) expect({ body, found }).toEqual({ body, found: '' });
}

/** Every field the parser reads, as [parent path, field], for a review of `kind`. */
function fieldsRead(kind: string): [string[], string][] {
  const spec = kind === 'Pod' ? 'request.object.spec' : kind === 'CronJob' ? 'request.object.spec.jobTemplate.spec.template.spec' : 'request.object.spec.template.spec';
  const table: [string, string[]][] = [
    ['', ['apiVersion', 'kind', 'request']],
    ['request', ['uid', 'kind', 'subResource', 'name', 'namespace', 'operation', 'userInfo', 'object', 'dryRun']],
    ['request.kind', ['group', 'version', 'kind']],
    ['request.userInfo', ['username', 'uid', 'groups']],
    ['request.userInfo.groups', ['0']],
    ['request.object', ['metadata', 'spec']],
    ['request.object.metadata', ['name', 'generateName', 'namespace', 'labels', 'ownerReferences']],
    ['request.object.metadata.labels', ['app', 'tier']],
    ['request.object.metadata.ownerReferences', ['0']],
    ['request.object.metadata.ownerReferences.0', ['apiVersion', 'kind', 'name', 'uid', 'controller']],
    ['request.object.spec', ['template', 'jobTemplate']],
    ['request.object.spec.template', ['spec']],
    [spec, ['containers', 'initContainers', 'ephemeralContainers']],
    [`${spec}.containers`, ['0']],
    [`${spec}.containers.0`, ['name', 'image']],
    [`${spec}.initContainers.0`, ['name', 'image']],
  ];
  return table.flatMap(([parent, fields]) => fields.map((f): [string[], string] => [parent ? parent.split('.') : [], f]));
}

describe('parseAdmissionReview against the zod schemas it replaced', () => {
  it('agrees on every field it reads set to every edge value, or removed, for every kind', () => {
    let compared = 0;
    for (const kind of [...Object.keys(KIND_OBJECTS), 'ConfigMap']) {
      // Owned: the base has ownerReferences and generateName, so removing them covers the unowned case.
      const base = realShapedReview({ kind }, true);
      for (const [parent, field] of fieldsRead(kind)) {
        if (!resolve(base, parent)) continue;
        for (const value of [...EDGE_VALUES, undefined]) {
          expectSameAsReference(mutate(structuredClone(base), { at: { path: parent }, field, value }));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it('accepts every undamaged real-shaped review, as the schemas did', () => {
    fc.assert(fc.property(realReview, (review) => {
      expect(parseAdmissionReview(review).ok).toBe(true);
      expectSameAsReference(review);
    }));
  });

  it('accepts and rejects exactly what the schemas did on damaged reviews, and extracts the same', () => {
    fc.assert(fc.property(damagedReview, expectSameAsReference), { numRuns: 2000 });
  });

  it('agrees on arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), expectSameAsReference), { numRuns: 1000 });
  });
});
