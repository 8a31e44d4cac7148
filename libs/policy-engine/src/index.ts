export {
  parsePolicyDocument,
  compilePolicyObject,
  formatPolicyDiagnostic,
  type ParsePolicyResult,
  type ParsePolicyOptions,
} from './document/policy-document.parser';
export {
  POLICY_KINDS,
  type CompiledPolicy,
  type CompiledAuthority,
  type KeyAuthority,
  type StaticAuthority,
  type CompiledAttestation,
  type CompiledPublicKey,
  type ResourceMatcher,
  type LabelSelectorRequirement,
  type VulnerabilityRule,
  type PolicyAction,
  type PolicyDiagnostic,
  type SourcePosition,
  type PolicyMode,
  type PolicyApiVersion,
  type HashAlgorithm,
  type PublicKeyType,
  type Severity,
} from './document/compiled-policy.types';
export { PREDICATE_TYPE_SHORT_NAMES, normalisePredicateType } from './document/predicate-type.normaliser';
export { parsePublicKeyPem, publicKeyFingerprint } from './document/public-key.parser';
export {
  compileCelProgram,
  type CompiledCelProgram,
  type CelOutcome,
  type CelSourceError,
  type CelCompileResult,
} from './cel/cel-program.compiler';
export { ATTESTATION_VARIABLES, POLICY_VARIABLES } from './cel/cel-variables';
export {
  parseImageReference,
  tryParseImageReference,
  InvalidImageReferenceError,
  DOCKER_HUB_REGISTRY,
  type ImageReference,
} from './glob/image-reference.parser';
export { compileImageGlob, normaliseGlob, InvalidGlobError, type ImageGlob } from './glob/image-glob.matcher';
export { evaluate, policyMatches } from './evaluate/policy.evaluator';
export { verificationKeys } from './evaluate/verification-keys';
export { blockingVulnerabilities, severityRank } from './evaluate/vulnerability-rule.evaluator';
export { resourceOf, policyAppliesToObject } from './evaluate/resource-match.matcher';
export {
  IMAGE_SUPPLY_CHAIN_FACTS,
  needsSupplyChain,
  supplyChainNeeds,
  type ImageSupplyChainFacts,
  type SupplyChainFacts,
  type SupplyChainNeeds,
} from './evaluate/supply-chain-facts';
export type {
  AdmissionObject,
  AttestationFact,
  Decision,
  EvaluateInput,
  ImageFacts,
  NoMatchBehaviour,
  PolicyResult,
  SbomPackageFact,
  SignatureFact,
  TlogFact,
  VulnerabilityFact,
} from './evaluate/evaluation.types';
