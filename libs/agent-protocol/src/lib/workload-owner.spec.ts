import type { OwnerReference } from './common.schema';
import { resolveWorkloadOwner, type OwnerLookups } from './workload-owner';

const ref = (kind: string, name: string, over: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: kind === 'ReplicaSet' || kind === 'Deployment' || kind === 'StatefulSet' ? 'apps/v1' : 'batch/v1',
  kind,
  name,
  uid: `${kind}-${name}`,
  controller: true,
  ...over,
});

/** Lookups backed by a map of uid → that object's ownerReferences, as informer caches would be. */
const lookups = (parents: Record<string, OwnerReference[]>): OwnerLookups => ({
  ownerReferencesOf: (r) => parents[r.uid],
});

describe('resolveWorkloadOwner', () => {
  it('climbs ReplicaSet → Deployment', () => {
    const owners = lookups({ 'ReplicaSet-web-7d9f': [ref('Deployment', 'web')] });
    expect(resolveWorkloadOwner([ref('ReplicaSet', 'web-7d9f')], owners)).toEqual({ kind: 'Deployment', name: 'web' });
  });

  it('climbs Job → CronJob', () => {
    const owners = lookups({ 'Job-backup-2890': [ref('CronJob', 'backup')] });
    expect(resolveWorkloadOwner([ref('Job', 'backup-2890')], owners)).toEqual({ kind: 'CronJob', name: 'backup' });
  });

  it('keeps a bare ReplicaSet or Job (no controller above it)', () => {
    const owners = lookups({ 'ReplicaSet-rs': [], 'Job-once': [] });
    expect(resolveWorkloadOwner([ref('ReplicaSet', 'rs')], owners)).toEqual({ kind: 'ReplicaSet', name: 'rs' });
    expect(resolveWorkloadOwner([ref('Job', 'once')], owners)).toEqual({ kind: 'Job', name: 'once' });
  });

  it('stops at the ReplicaSet when the lookup does not know it (platform side, or cache not synced)', () => {
    expect(resolveWorkloadOwner([ref('ReplicaSet', 'web-7d9f')])).toEqual({ kind: 'ReplicaSet', name: 'web-7d9f' });
    expect(resolveWorkloadOwner([ref('ReplicaSet', 'web-7d9f')], lookups({}))).toEqual({ kind: 'ReplicaSet', name: 'web-7d9f' });
  });

  it('returns StatefulSet and DaemonSet owners as they are', () => {
    expect(resolveWorkloadOwner([ref('StatefulSet', 'db')], lookups({}))).toEqual({ kind: 'StatefulSet', name: 'db' });
    expect(resolveWorkloadOwner([ref('DaemonSet', 'agent')], lookups({}))).toEqual({ kind: 'DaemonSet', name: 'agent' });
  });

  it('uses only the controller reference', () => {
    const refs = [ref('ConfigMap', 'cm', { apiVersion: 'v1', controller: false }), ref('StatefulSet', 'db')];
    expect(resolveWorkloadOwner(refs)).toEqual({ kind: 'StatefulSet', name: 'db' });
    expect(resolveWorkloadOwner([ref('ConfigMap', 'cm', { apiVersion: 'v1', controller: undefined })])).toBeUndefined();
  });

  it('returns undefined for a bare pod', () => {
    expect(resolveWorkloadOwner(undefined)).toBeUndefined();
    expect(resolveWorkloadOwner([])).toBeUndefined();
  });

  it('does not climb to an unexpected parent kind (e.g. an operator owning a ReplicaSet)', () => {
    const owners = lookups({ 'ReplicaSet-r1': [ref('Rollout', 'canary', { apiVersion: 'argoproj.io/v1alpha1' })] });
    expect(resolveWorkloadOwner([ref('ReplicaSet', 'r1')], owners)).toEqual({ kind: 'ReplicaSet', name: 'r1' });
  });
});
