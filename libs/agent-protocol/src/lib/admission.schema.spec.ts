import { PROTOCOL_LIMITS } from './limits';
import { admissionRequest, admissionResponse, errorPaths, expectValid } from './test-fixtures';
import { validateAdmissionRequest, validateAdmissionResponse } from './validation';

describe('admission request', () => {
  it('accepts a request with owner, labels, images of each type and a user', () => {
    const value = expectValid(
      validateAdmissionRequest(
        admissionRequest({
          kind: 'Pod',
          owner: { kind: 'ReplicaSet', name: 'web-7d9f8c6b5' },
          images: [
            { container: 'app', type: 'container', ref: 'nginx' },
            { container: 'init', type: 'init', ref: 'busybox:1.36' },
            { container: 'debugger', type: 'ephemeral', ref: 'ghcr.io/acme/debug:latest' },
          ],
        }),
      ),
    );
    expect(value.images).toHaveLength(3);
  });

  it('accepts an empty name with generateName (pods of a ReplicaSet at CREATE)', () => {
    expectValid(validateAdmissionRequest(admissionRequest({ kind: 'Pod', name: '', generateName: 'web-7d9f8c6b5-' })));
  });

  it.each(['uid', 'kind', 'namespace', 'name', 'operation', 'labels', 'images'])('rejects a request without %s', (field) => {
    const request = admissionRequest();
    delete request[field];
    expect(errorPaths(validateAdmissionRequest(request))).toEqual([field]);
  });

  it.each([
    ['kind not supported', { kind: 'Service' }, 'kind'],
    ['DELETE (answered by the agent alone)', { operation: 'DELETE' }, 'operation'],
    ['labels as a list', { labels: ['app=web'] }, 'labels'],
    ['no images', { images: [] }, 'images'],
    ['user without username', { user: { groups: [] } }, 'user.username'],
    ['owner as a string', { owner: 'Deployment/web' }, 'owner'],
  ])('rejects %s', (_label, over, path) => {
    expect(errorPaths(validateAdmissionRequest(admissionRequest(over)))).toEqual([path]);
  });

  it('names the bad image field', () => {
    const request = admissionRequest({
      images: [
        { container: 'app', type: 'container', ref: 'nginx' },
        { container: 'side', type: 'sidecar', ref: 'nginx with spaces' },
      ],
    });
    expect(errorPaths(validateAdmissionRequest(request))).toEqual(['images[1].type', 'images[1].ref']);
  });

  it('names a bad label by its key', () => {
    const result = validateAdmissionRequest(admissionRequest({ labels: { 'app.kubernetes.io/name': 'x'.repeat(64) } }));
    expect(errorPaths(result)).toEqual(['labels["app.kubernetes.io/name"]']);
  });

  it('rejects more images and labels than the limits', () => {
    const images = Array.from({ length: PROTOCOL_LIMITS.maxAdmissionImages + 1 }, (_, i) => ({ container: `c${i}`, type: 'container', ref: 'nginx' }));
    const labels = Object.fromEntries(Array.from({ length: PROTOCOL_LIMITS.maxLabels + 1 }, (_, i) => [`l${i}`, 'v']));
    expect(errorPaths(validateAdmissionRequest(admissionRequest({ images, labels }))).sort()).toEqual(['images', 'labels']);
  });

  it('rejects fields that are not metadata (annotations, env)', () => {
    expect(errorPaths(validateAdmissionRequest(admissionRequest({ annotations: { a: 'b' }, env: [] }))).sort()).toEqual(['annotations', 'env']);
  });
});

describe('admission response', () => {
  it('accepts the documented shape; per-image warnings and reasons default to empty', () => {
    const value = expectValid(validateAdmissionResponse(admissionResponse()));
    expect(value.decisions[0]?.reasons).toEqual([]);
    expect(value.decisions[1]?.warnings).toEqual([]);
  });

  it('accepts a decision without digest (unresolvable tag) and strips unknown fields', () => {
    const value = expectValid(
      validateAdmissionResponse(admissionResponse({ decisions: [{ image: 'nginx:nope', allowed: false, cacheTtlSeconds: 0, extra: 1 }] })),
    );
    expect(value.decisions[0]).not.toHaveProperty('extra');
  });

  it.each([
    ['allowed as a string', { allowed: 'false' }, 'allowed'],
    ['warnings missing', { warnings: undefined }, 'warnings'],
    ['reasons with an empty message', { reasons: [''] }, 'reasons[0]'],
    ['no policyStateToken', { policyStateToken: undefined }, 'policyStateToken'],
    ['too many warnings', { warnings: Array.from({ length: PROTOCOL_LIMITS.maxMessages + 1 }, () => 'w') }, 'warnings'],
  ])('rejects %s', (_label, over, path) => {
    expect(errorPaths(validateAdmissionResponse(admissionResponse(over)))).toEqual([path]);
  });

  it('rejects a bad digest and a negative TTL in a decision', () => {
    const response = admissionResponse({
      decisions: [{ image: 'nginx', digest: 'sha256:abc', allowed: true, cacheTtlSeconds: -1 }],
    });
    expect(errorPaths(validateAdmissionResponse(response))).toEqual(['decisions[0].digest', 'decisions[0].cacheTtlSeconds']);
  });
});
