// Real-shaped AdmissionReview payloads, as the kube-apiserver sends them.

const podSpec = {
  containers: [{ name: 'app', image: 'registry.example.com/team/app:1.2.3', env: [{ name: 'SECRET', value: 'do-not-forward' }] }],
  initContainers: [{ name: 'migrate', image: 'registry.example.com/team/migrate@sha256:' + 'a'.repeat(64) }],
};

const template = { metadata: { labels: { app: 'web' } }, spec: podSpec };

export const KIND_OBJECTS: Record<string, { group: string; version: string; resource: string; object: Record<string, unknown> }> = {
  Pod: { group: '', version: 'v1', resource: 'pods', object: { apiVersion: 'v1', kind: 'Pod', spec: { ...podSpec, ephemeralContainers: [{ name: 'debug', image: 'busybox:1.36' }] } } },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments', object: { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 2, template } } },
  ReplicaSet: { group: 'apps', version: 'v1', resource: 'replicasets', object: { apiVersion: 'apps/v1', kind: 'ReplicaSet', spec: { template } } },
  StatefulSet: { group: 'apps', version: 'v1', resource: 'statefulsets', object: { apiVersion: 'apps/v1', kind: 'StatefulSet', spec: { serviceName: 'web', template } } },
  DaemonSet: { group: 'apps', version: 'v1', resource: 'daemonsets', object: { apiVersion: 'apps/v1', kind: 'DaemonSet', spec: { template } } },
  Job: { group: 'batch', version: 'v1', resource: 'jobs', object: { apiVersion: 'batch/v1', kind: 'Job', spec: { template } } },
  CronJob: { group: 'batch', version: 'v1', resource: 'cronjobs', object: { apiVersion: 'batch/v1', kind: 'CronJob', spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template } } } } },
  ReplicationController: { group: '', version: 'v1', resource: 'replicationcontrollers', object: { apiVersion: 'v1', kind: 'ReplicationController', spec: { template } } },
};

export interface ReviewInput {
  kind: keyof typeof KIND_OBJECTS | string;
  apiVersion?: 'admission.k8s.io/v1' | 'admission.k8s.io/v1beta1';
  uid?: string;
  namespace?: string;
  name?: string;
  operation?: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  dryRun?: boolean;
  object?: Record<string, unknown>;
}

export function admissionReview(input: ReviewInput): Record<string, unknown> {
  const meta = KIND_OBJECTS[input.kind] ?? { group: '', version: 'v1', resource: input.kind.toLowerCase() + 's', object: {} };
  const namespace = input.namespace ?? 'shop';
  const name = input.name ?? 'web';
  const object = input.object ?? { ...meta.object, metadata: { name, namespace, labels: { app: 'web' }, annotations: { secret: 'no' } } };
  const operation = input.operation ?? 'CREATE';
  return {
    apiVersion: input.apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: input.uid ?? `0b6f8d2e-${Math.random().toString(16).slice(2, 6)}-4a0e-9d1c-3b2c5f1e9a7d`,
      kind: { group: meta.group, version: meta.version, kind: input.kind },
      resource: { group: meta.group, version: meta.version, resource: meta.resource },
      requestKind: { group: meta.group, version: meta.version, kind: input.kind },
      requestResource: { group: meta.group, version: meta.version, resource: meta.resource },
      name,
      namespace,
      operation,
      userInfo: { username: 'alice@example.com', uid: 'u-1', groups: ['system:authenticated', 'devs'] },
      object: operation === 'DELETE' ? null : object,
      oldObject: operation === 'UPDATE' || operation === 'DELETE' ? object : null,
      dryRun: input.dryRun ?? false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: operation === 'DELETE' ? 'DeleteOptions' : 'CreateOptions' },
    },
  };
}
