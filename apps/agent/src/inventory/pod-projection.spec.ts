import type { V1Pod } from '@kubernetes/client-node';
import { projectPod, projectionKey } from './pod-projection';

const pod = (imageID: string, extra: Partial<V1Pod['status']> = {}): V1Pod => ({
  metadata: { uid: 'u', namespace: 'ns', name: 'p', labels: { a: 'b' }, annotations: { x: 'y' } },
  spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'nginx:1', env: [{ name: 'PASSWORD', value: 'secret' }] }] },
  status: { containerStatuses: [{ name: 'c', image: 'nginx:1', imageID, ready: true, restartCount: 0, state: { running: { startedAt: new Date('2024-01-01T00:00:00Z') } } }], ...extra },
});

describe('projectPod', () => {
  it('keeps identity, node and image digests, and nothing else', () => {
    const d = projectPod(pod(`docker.io/library/nginx@sha256:${'b'.repeat(64)}`), 'upsert', { kind: 'Deployment', name: 'web' }, new Date(0))!;
    expect(d).toEqual({
      op: 'upsert',
      uid: 'u',
      namespace: 'ns',
      name: 'p',
      node: 'n1',
      owner: { kind: 'Deployment', name: 'web' },
      observedAt: '1970-01-01T00:00:00.000Z',
      containers: [{ name: 'c', type: 'container', image: 'nginx:1', imageDigest: `sha256:${'b'.repeat(64)}`, startedAt: '2024-01-01T00:00:00.000Z' }],
    });
  });

  it('leaves out containers without an imageID yet', () => {
    expect(projectPod(pod(''), 'upsert', undefined, new Date())!.containers).toEqual([]);
  });

  it('ignores status churn in its key, but not a new digest', () => {
    const a = projectPod(pod(`x@sha256:${'b'.repeat(64)}`), 'upsert', undefined, new Date(1))!;
    const b = projectPod(pod(`x@sha256:${'b'.repeat(64)}`, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }), 'upsert', undefined, new Date(2))!;
    const c = projectPod(pod(`x@sha256:${'c'.repeat(64)}`), 'upsert', undefined, new Date(3))!;
    expect(projectionKey(a)).toBe(projectionKey(b));
    expect(projectionKey(a)).not.toBe(projectionKey(c));
  });
});
