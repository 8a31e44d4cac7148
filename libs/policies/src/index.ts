export { PoliciesModule } from './policies.module';
export { EffectivePoliciesModule } from './effective-policies.module';
export { policyEntities } from './entities';
export { EffectivePoliciesService, type ClusterPolicyState, type EffectivePolicy } from './services/effective-policies.service';
export { policyStateToken } from './services/policy-state-token';
export { unifiedDiff, type UnifiedDiffOptions } from './diff/unified-diff';
export { POLICY_CHANGE_LISTENER, type PolicyChange, type PolicyChangeListener } from './hooks/policy-change.listener';
