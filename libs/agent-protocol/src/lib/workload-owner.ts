import type { OwnerReference, WorkloadOwner } from './common.schema';

/**
 * What the resolver may ask about an owner. The agent answers from its
 * ReplicaSet/Job informer caches; returning undefined means "unknown" and stops
 * the walk at that owner.
 */
export interface OwnerLookups {
  /** ownerReferences of the object `ref` names, in the pod's namespace. */
  ownerReferencesOf(ref: OwnerReference): readonly OwnerReference[] | undefined;
}

/** Deeper chains than this are either cycles or operators we do not model. */
const MAX_DEPTH = 5;

/** Only these are climbed: the brief's ReplicaSet→Deployment and Job→CronJob. */
const CLIMBABLE: Readonly<Record<string, readonly string[]>> = {
  ReplicaSet: ['Deployment'],
  Job: ['CronJob'],
};

function controllerOf(refs: readonly OwnerReference[] | undefined): OwnerReference | undefined {
  // Only the controller reference names the workload; other owners are incidental.
  return refs?.find((r) => r.controller === true);
}

/**
 * The workload a pod belongs to: its controller, climbed from ReplicaSet to
 * Deployment and from Job to CronJob when the lookups know the parent.
 * Undefined for a pod without a controller (a bare pod is its own workload;
 * the caller decides how to name it).
 */
export function resolveWorkloadOwner(
  ownerReferences: readonly OwnerReference[] | undefined,
  lookups?: OwnerLookups,
): WorkloadOwner | undefined {
  let current = controllerOf(ownerReferences);
  if (!current) return undefined;
  const visited = new Set<string>([current.uid]);
  for (let depth = 0; depth < MAX_DEPTH && lookups; depth++) {
    const allowedParents = CLIMBABLE[current.kind];
    if (!allowedParents) break;
    const parent = controllerOf(lookups.ownerReferencesOf(current));
    if (!parent || !allowedParents.includes(parent.kind) || visited.has(parent.uid)) break;
    visited.add(parent.uid);
    current = parent;
  }
  return { kind: current.kind, name: current.name };
}
