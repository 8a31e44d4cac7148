import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { ContainerObservation, OwnerReference, PodDelta, PodDeltaSchema, PROTOCOL_LIMITS, WorkloadOwner, parseImageDigestFromImageId } from '@vigil/agent-protocol';

// What leaves the cluster about a pod: identity, node, owner and, per container,
// the image reference and digest with start/stop times. Deliberately NOT env,
// args, volumes, annotations or labels: the projection is built field by field
// from an allow-list, so a new pod field can never leak by accident.

const toIso = (d: Date | string | undefined): string | undefined => {
  if (d === undefined) return undefined;
  const date = d instanceof Date ? d : new Date(d);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

/** The pod's raw ownerReferences, reduced to the protocol's fields. */
export function ownerReferencesOf(pod: V1Pod): OwnerReference[] {
  return (pod.metadata?.ownerReferences ?? []).slice(0, PROTOCOL_LIMITS.maxOwnerReferences).map((r) => ({
    apiVersion: r.apiVersion,
    kind: r.kind,
    name: r.name,
    uid: r.uid,
    ...(r.controller !== undefined ? { controller: r.controller } : {}),
    ...(r.blockOwnerDeletion !== undefined ? { blockOwnerDeletion: r.blockOwnerDeletion } : {}),
  }));
}

function observations(specs: Array<{ name: string; image?: string }> | undefined, statuses: V1ContainerStatus[] | undefined, type: ContainerObservation['type']): ContainerObservation[] {
  const byName = new Map((statuses ?? []).map((s) => [s.name, s]));
  const out: ContainerObservation[] = [];
  for (const spec of specs ?? []) {
    const status = byName.get(spec.name);
    const imageDigest = parseImageDigestFromImageId(status?.imageID);
    // Still pulling (no imageID): left out; the next delta carries it (protocol).
    if (!imageDigest || !spec.image) continue;
    const startedAt = toIso(status?.state?.running?.startedAt ?? status?.state?.terminated?.startedAt);
    const terminatedAt = toIso(status?.state?.terminated?.finishedAt);
    out.push({ name: spec.name, type, image: spec.image, imageDigest, ...(startedAt ? { startedAt } : {}), ...(terminatedAt ? { terminatedAt } : {}) });
  }
  return out;
}

export function containersOf(pod: V1Pod): ContainerObservation[] {
  return [
    ...observations(pod.spec?.containers, pod.status?.containerStatuses, 'container'),
    ...observations(pod.spec?.initContainers, pod.status?.initContainerStatuses, 'init'),
    ...observations(pod.spec?.ephemeralContainers, pod.status?.ephemeralContainerStatuses, 'ephemeral'),
  ].slice(0, PROTOCOL_LIMITS.maxContainersPerPod);
}

/** A protocol-valid delta for the pod, or undefined when the pod cannot be described (logged by the caller). */
export function projectPod(pod: V1Pod, op: PodDelta['op'], owner: WorkloadOwner | undefined, observedAt: Date): PodDelta | undefined {
  const refs = ownerReferencesOf(pod);
  const candidate: PodDelta = {
    op,
    uid: pod.metadata?.uid ?? '',
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    ...(owner ? { owner } : {}),
    ...(refs.length ? { ownerReferences: refs } : {}),
    observedAt: observedAt.toISOString(),
    containers: containersOf(pod),
  };
  const checked = PodDeltaSchema.safeParse(candidate);
  return checked.success ? checked.data : undefined;
}

/** Identity of what the platform would record; status churn (readiness, conditions) does not change it. */
export function projectionKey(delta: PodDelta): string {
  const { observedAt: _ignored, op: _op, ...rest } = delta;
  return JSON.stringify(rest);
}
