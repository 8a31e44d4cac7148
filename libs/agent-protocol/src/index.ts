export { PROTOCOL_LIMITS } from './lib/limits';
export {
  IMAGE_DIGEST_PATTERN,
  IdSchema,
  DnsLabelSchema,
  ObjectNameSchema,
  KindSchema,
  ApiVersionSchema,
  MessageTextSchema,
  ImageDigestSchema,
  ImageRefSchema,
  TimestampSchema,
  WorkloadOwnerSchema,
  OwnerReferenceSchema,
  ContainerTypeSchema,
  LabelsSchema,
} from './lib/common.schema';
export type { WorkloadOwner, OwnerReference, ContainerType } from './lib/common.schema';
export {
  CredentialSecretSchema,
  RegisterRequestSchema,
  RegisterResponseSchema,
  ClusterCredentialSchema,
} from './lib/register.schema';
export type { RegisterRequest, RegisterResponse, ClusterCredential } from './lib/register.schema';
export { HeartbeatRequestSchema, HeartbeatResponseSchema } from './lib/heartbeat.schema';
export type { HeartbeatRequest, HeartbeatResponse } from './lib/heartbeat.schema';
export {
  ContainerObservationSchema,
  PodOpSchema,
  PodDeltaSchema,
  InventoryBatchKindSchema,
  SnapshotPartSchema,
  InventoryBatchSchema,
  InventoryResponseSchema,
  MAX_LEADER_TERM,
  inventoryTermSupersededMessage,
} from './lib/inventory.schema';
export type {
  ContainerObservation,
  PodOp,
  PodDelta,
  InventoryBatchKind,
  SnapshotPart,
  InventoryBatch,
  InventoryResponse,
} from './lib/inventory.schema';
export {
  ADMISSION_KINDS,
  AdmissionKindSchema,
  AdmissionOperationSchema,
  AdmissionImageSchema,
  AdmissionUserSchema,
  AdmissionRequestSchema,
  ImageDecisionSchema,
  AdmissionResponseSchema,
} from './lib/admission.schema';
export type { AdmissionKind, AdmissionImage, AdmissionRequest, ImageDecision, AdmissionResponse } from './lib/admission.schema';
export {
  DeletePodsCommandSchema,
  RotateCredentialCommandSchema,
  UnknownCommandSchema,
  CommandSchema,
  CommandListResponseSchema,
  CommandOutcomeSchema,
  CommandAckRequestSchema,
  CommandAckResponseSchema,
  isKnownCommand,
} from './lib/commands.schema';
export type {
  DeletePodsCommand,
  RotateCredentialCommand,
  UnknownCommand,
  KnownCommand,
  KnownCommandType,
  Command,
  CommandListResponse,
  CommandOutcome,
  CommandAckRequest,
  CommandAckResponse,
} from './lib/commands.schema';
export {
  formatPath,
  validateWith,
  validateRegisterRequest,
  validateRegisterResponse,
  validateHeartbeatRequest,
  validateHeartbeatResponse,
  validateInventoryBatch,
  validateInventoryResponse,
  validateAdmissionRequest,
  validateAdmissionResponse,
  validateCommandListResponse,
  validateCommandAckRequest,
  validateCommandAckResponse,
} from './lib/validation';
export type { ValidationError, ValidationResult } from './lib/validation';
export { parseImageDigestFromImageId } from './lib/image-id';
export { resolveWorkloadOwner } from './lib/workload-owner';
export type { OwnerLookups } from './lib/workload-owner';
export {
  SIGNATURE_HEADERS,
  SIGNATURE_ALGORITHM,
  DEFAULT_MAX_SKEW_SECONDS,
  AGENT_PATH_PREFIX,
  canonicalRequestString,
  sha256Hex,
  generateNonce,
  signRequest,
  verifyRequest,
} from './lib/request-signing';
export type {
  SignatureHeaderName,
  SignedHeaders,
  CanonicalRequest,
  RequestBody,
  SignRequestInput,
  CredentialRecord,
  LookupSecret,
  HeaderBag,
  VerifyRequestInput,
  VerifyFailureReason,
  VerifyResult,
} from './lib/request-signing';
export { InMemoryReplayGuard } from './lib/replay-guard';
export type { ReplayGuard } from './lib/replay-guard';
export { generateKeyId, generateCredentialSecret } from './lib/credential';
export { AGENT_ENDPOINTS, agentEndpointPath } from './lib/agent-endpoints';
export type { AgentEndpointName } from './lib/agent-endpoints';
