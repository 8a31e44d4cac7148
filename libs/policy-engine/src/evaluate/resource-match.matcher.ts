import type { LabelSelectorRequirement, ResourceMatcher } from '../document/compiled-policy.types';
import type { AdmissionObject } from './evaluation.types';

// Group and plural of the workload kinds the agent sends; others are derived.
const WELL_KNOWN_KINDS: Readonly<Record<string, { group: string; resource: string }>> = {
  Pod: { group: '', resource: 'pods' },
  ReplicationController: { group: '', resource: 'replicationcontrollers' },
  Deployment: { group: 'apps', resource: 'deployments' },
  ReplicaSet: { group: 'apps', resource: 'replicasets' },
  StatefulSet: { group: 'apps', resource: 'statefulsets' },
  DaemonSet: { group: 'apps', resource: 'daemonsets' },
  Job: { group: 'batch', resource: 'jobs' },
  CronJob: { group: 'batch', resource: 'cronjobs' },
};

export interface ObjectResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export function resourceOf(object: AdmissionObject): ObjectResource {
  const known = WELL_KNOWN_KINDS[object.kind];
  let group = known?.group ?? '';
  let version = 'v1';
  if (object.apiVersion) {
    const slash = object.apiVersion.indexOf('/');
    group = slash >= 0 ? object.apiVersion.slice(0, slash) : '';
    version = slash >= 0 ? object.apiVersion.slice(slash + 1) : object.apiVersion;
  }
  const resource = known?.resource ?? `${object.kind.toLowerCase()}s`;
  return { group, version, resource };
}

/** policy-controller semantics: no `match` → every object; else any entry matching. */
export function policyAppliesToObject(
  matchers: readonly ResourceMatcher[],
  object: AdmissionObject | undefined,
): boolean {
  if (matchers.length === 0) return true;
  if (!object) return false;
  const resource = resourceOf(object);
  const labels = object.labels ?? {};
  return matchers.some(
    (m) =>
      wildcardEquals(m.group, resource.group) &&
      wildcardEquals(m.version, resource.version) &&
      wildcardEquals(m.resource, resource.resource) &&
      Object.entries(m.matchLabels).every(([key, value]) => labels[key] === value) &&
      m.matchExpressions.every((requirement) => requirementHolds(requirement, labels)),
  );
}

function wildcardEquals(pattern: string, value: string): boolean {
  return pattern === '*' || pattern === value;
}

function requirementHolds(requirement: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, requirement.key);
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case 'In':
      return has && requirement.values.includes(value as string);
    case 'NotIn':
      return !has || !requirement.values.includes(value as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}
