import { policyAppliesToObject, resourceOf } from './resource-match.matcher';
import type { ResourceMatcher } from '../document/compiled-policy.types';

const matcher = (overrides: Partial<ResourceMatcher> = {}): ResourceMatcher => ({
  group: '*', version: '*', resource: '*', matchLabels: {}, matchExpressions: [], ...overrides,
});

describe('resource matching', () => {
  it.each([
    [{ kind: 'Pod', name: 'a' }, { group: '', version: 'v1', resource: 'pods' }],
    [{ kind: 'Deployment', name: 'a' }, { group: 'apps', version: 'v1', resource: 'deployments' }],
    [{ kind: 'CronJob', name: 'a', apiVersion: 'batch/v1beta1' }, { group: 'batch', version: 'v1beta1', resource: 'cronjobs' }],
    [{ kind: 'Rollout', name: 'a', apiVersion: 'argoproj.io/v1alpha1' }, { group: 'argoproj.io', version: 'v1alpha1', resource: 'rollouts' }],
  ])('derives the resource of %j', (object, expected) => {
    expect(resourceOf(object)).toEqual(expected);
  });

  it('applies every policy without match, and none with match when there is no object', () => {
    expect(policyAppliesToObject([], undefined)).toBe(true);
    expect(policyAppliesToObject([matcher()], undefined)).toBe(false);
  });

  it('ORs match entries and ANDs the parts of one entry', () => {
    const pods = matcher({ group: '', resource: 'pods' });
    const deployments = matcher({ group: 'apps', resource: 'deployments', version: 'v1' });
    expect(policyAppliesToObject([pods, deployments], { kind: 'Deployment', name: 'd' })).toBe(true);
    expect(policyAppliesToObject([pods], { kind: 'Deployment', name: 'd' })).toBe(false);
    expect(policyAppliesToObject([matcher({ group: 'apps', resource: 'pods' })], { kind: 'Pod', name: 'p' })).toBe(false);
  });

  it('evaluates label selectors with matchLabels and matchExpressions', () => {
    const selector = matcher({
      matchLabels: { team: 'payments' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['web', 'api'] },
        { key: 'legacy', operator: 'DoesNotExist', values: [] },
        { key: 'env', operator: 'NotIn', values: ['dev'] },
        { key: 'owner', operator: 'Exists', values: [] },
      ],
    });
    const object = (labels: Record<string, string>) => ({ kind: 'Pod', name: 'p', labels });
    expect(policyAppliesToObject([selector], object({ team: 'payments', tier: 'web', owner: 'x' }))).toBe(true);
    expect(policyAppliesToObject([selector], object({ team: 'payments', tier: 'web', owner: 'x', env: 'dev' }))).toBe(false);
    expect(policyAppliesToObject([selector], object({ team: 'payments', tier: 'web', owner: 'x', legacy: '' }))).toBe(false);
    expect(policyAppliesToObject([selector], object({ team: 'payments', tier: 'db', owner: 'x' }))).toBe(false);
    expect(policyAppliesToObject([selector], object({ team: 'payments', tier: 'web' }))).toBe(false);
  });
});
