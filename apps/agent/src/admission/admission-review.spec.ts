import { admissionReviewJson } from './admission-response';
import { parseAdmissionReview, platformFields } from './admission-review';

const review = (kind: string, object: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: 'u1', kind: { group: '', version: 'v1', kind }, namespace: 'ns', name: 'n', operation: 'CREATE', object, ...extra },
});

describe('parseAdmissionReview', () => {
  it('finds the pod spec of a CronJob under jobTemplate', () => {
    const r = parseAdmissionReview(review('CronJob', { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'i:1' }] } } } } } }));
    expect(r.ok && r.review.images).toEqual([{ container: 'c', type: 'container', ref: 'i:1' }]);
  });

  it('passes kinds it does not handle, and DELETE without an object', () => {
    const other = parseAdmissionReview(review('ConfigMap', { data: { secret: 'x' } }));
    expect(other.ok && other.review.kind).toBeUndefined();
    const del = parseAdmissionReview(review('Pod', null, { operation: 'DELETE' }));
    expect(del.ok && del.review.images).toEqual([]);
  });

  it('keeps only protocol-valid labels and drops nothing else silently', () => {
    const r = parseAdmissionReview(review('Pod', { metadata: { labels: { ok: 'yes', 'bad key!': 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }));
    expect(r.ok && platformFields(r.review).labels).toEqual({ ok: 'yes' });
  });

  it.each([
    ['not an object', 'nope'],
    ['wrong kind', { apiVersion: 'admission.k8s.io/v1', kind: 'Pod' }],
    ['no uid', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE' } }],
    ['no object on CREATE', review('Pod', undefined)],
    ['containers not a list', review('Pod', { spec: { containers: {} } })],
    ['container without image', review('Deployment', { spec: { template: { spec: { containers: [{ name: 'c' }] } } } })],
  ])('rejects a malformed review (%s) with a reason instead of throwing', (_what, body) => {
    const r = parseAdmissionReview(body);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.length).toBeGreaterThan(0);
  });

  it('answers in the apiVersion it was asked in, with status and warnings only when there are any', () => {
    const answer = (apiVersion: string | undefined, uid: string, a: Parameters<typeof admissionReviewJson>[2]) => JSON.parse(admissionReviewJson(apiVersion, uid, a));
    expect(answer('admission.k8s.io/v1beta1', 'u', { allowed: true })).toEqual({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview', response: { uid: 'u', allowed: true } });
    expect(answer(undefined, 'u', { allowed: false, message: 'no' })).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u', allowed: false, status: { code: 403, message: 'no' } } });
    expect(answer('admission.k8s.io/v1', 'u', { allowed: true, warnings: ['w'] })).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u', allowed: true, warnings: ['w'] } });
    expect(answer('admission.k8s.io/v1', 'u', { allowed: false, code: 503, message: 'down', warnings: [] })).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u', allowed: false, status: { code: 503, message: 'down' } } });
  });

  it('echoes any uid as valid JSON (quotes, backslashes, unicode)', () => {
    for (const uid of ['a"b', 'back\\slash', 'line\nbreak', 'ünï €', '</script>']) {
      expect(JSON.parse(admissionReviewJson('admission.k8s.io/v1', uid, { allowed: true })).response.uid).toBe(uid);
    }
  });
});
