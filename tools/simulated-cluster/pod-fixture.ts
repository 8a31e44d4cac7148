import type { KubeObject } from './kube-object-store';

export interface PodFixtureInput {
  namespace: string;
  name: string;
  uid?: string;
  node?: string;
  containers: Array<{ name: string; image: string; digest?: string; startedAt?: string; finishedAt?: string; env?: Array<{ name: string; value: string }> }>;
  initContainers?: Array<{ name: string; image: string; digest?: string }>;
  owner?: { apiVersion: string; kind: string; name: string; uid: string };
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A pod as the kubelet reports it: spec plus container statuses carrying the runtime's imageID. */
export function podFixture(p: PodFixtureInput): KubeObject {
  const status = (c: PodFixtureInput['containers'][number]) => ({
    name: c.name,
    image: c.image,
    imageID: c.digest ? `${c.image.split('@')[0]!.split(':')[0]}@${c.digest}` : '',
    ready: !!c.digest && !c.finishedAt,
    restartCount: 0,
    state: c.finishedAt
      ? { terminated: { exitCode: 0, reason: 'Completed', startedAt: c.startedAt ?? '2024-01-01T00:00:00Z', finishedAt: c.finishedAt } }
      : c.digest
        ? { running: { startedAt: c.startedAt ?? '2024-01-01T00:00:00Z' } }
        : { waiting: { reason: 'ContainerCreating' } },
  });
  return {
    metadata: {
      name: p.name,
      namespace: p.namespace,
      ...(p.uid ? { uid: p.uid } : {}),
      labels: p.labels ?? {},
      ...(p.annotations ? { annotations: p.annotations } : {}),
      ...(p.owner ? { ownerReferences: [{ ...p.owner, controller: true, blockOwnerDeletion: true }] } : {}),
    } as KubeObject['metadata'],
    spec: {
      nodeName: p.node ?? 'node-1',
      containers: p.containers.map((c) => ({ name: c.name, image: c.image, env: c.env ?? [] })),
      ...(p.initContainers ? { initContainers: p.initContainers.map((c) => ({ name: c.name, image: c.image })) } : {}),
    },
    status: {
      phase: 'Running',
      containerStatuses: p.containers.map(status),
      ...(p.initContainers ? { initContainerStatuses: p.initContainers.map((c) => ({ ...status({ ...c, finishedAt: '2024-01-01T00:00:01Z' }) })) } : {}),
    },
  };
}
