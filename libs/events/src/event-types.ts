/** CloudEvent types Vigil emits (ARCHITECTURE §6). Receivers filter on these names: keep them stable. */
export const EVENT_TYPES = {
  validationChanged: 'dev.vigil.policy.validation.changed.v1',
  admission: 'dev.vigil.admission.v1',
  clusterRegistered: 'dev.vigil.cluster.registered.v1',
  clusterUnhealthy: 'dev.vigil.cluster.unhealthy.v1',
  clusterRecovered: 'dev.vigil.cluster.recovered.v1',
  policyCreated: 'dev.vigil.policy.created.v1',
  policyUpdated: 'dev.vigil.policy.updated.v1',
  policyDeleted: 'dev.vigil.policy.deleted.v1',
} as const;

/** IAM changes are `dev.vigil.iam.<object>.<verb>.v1`. */
export function iamEventType(action: string): string {
  return `dev.vigil.iam.${action}.v1`;
}

export const KNOWN_EVENT_TYPE = /^dev\.vigil\.[a-z0-9-]+(\.[a-z0-9-]+)*\.v\d+$/;

export function orgSource(orgId: string): string {
  return `/orgs/${orgId}`;
}

export function clusterSource(orgId: string, clusterId: string): string {
  return `/orgs/${orgId}/clusters/${clusterId}`;
}
