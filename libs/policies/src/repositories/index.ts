export { PolicyRepository, type NewRevision } from './policy.repository';
export { EffectivePolicyRepository, type EffectiveRevisions, type StoredRevision } from './effective-policy.repository';
