export { AdmissionDecisionRepository, type NewAdmissionDecision } from './admission-decision.repository';
export { VerifiedFactsRepository, type StoredKeyFacts } from './verified-facts.repository';
