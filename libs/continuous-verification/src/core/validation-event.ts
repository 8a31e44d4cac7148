import { tryParseImageReference } from '@vigil/policy-engine';
import { stableUuid } from './stable-id';
import type { RunningImage, Transition } from './verification.types';

/** The CloudEvent id of one transition: stable across retries and redeliveries. */
export function transitionEventId(orgId: string, clusterId: string, t: Transition): string {
  return stableUuid(`validation.changed|${orgId}|${clusterId}|${t.digest}|${t.policyId}|${t.generation}|${t.transitionNo}`);
}

/** `<registry>/<repository>@sha256:…`: the image named by content, as Enforce did. */
export function imageSubject(ref: string, digest: string): string {
  const parsed = tryParseImageReference(ref);
  if (parsed) return `${parsed.registry}/${parsed.repository}@${digest}`;
  const bare = ref.split('@')[0];
  return `${bare}@${digest}`;
}

/** `data` of dev.vigil.policy.validation.changed.v1 (ARCHITECTURE §6). */
export function validationChangedData(clusterId: string, image: RunningImage, t: Transition, checkedAt: Date): Record<string, unknown> {
  return {
    clusterId,
    imageDigest: t.digest,
    imageRef: t.imageRef,
    lastSeen: image.lastSeen.toISOString(),
    workloads: image.workloads.map((w) => ({ namespace: w.namespace, kind: w.kind, name: w.name })),
    policies: {
      [t.policyName]: {
        policyId: t.policyId,
        valid: t.valid,
        diagnostic: t.diagnostic,
        revision: t.revision,
        lastChecked: checkedAt.toISOString(),
        change: t.change,
      },
    },
  };
}
