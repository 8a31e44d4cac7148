export { VerificationModule } from './verification.module';
export { VerificationFactsModule } from './verification-facts.module';
export { verificationEntities } from './entities';
export type { StoredImageDecision } from './entities';
export { AdmissionService, ADMISSION_BUDGET_MS } from './admission/admission.service';
export { ImageFactsService, describeRegistryError, type GatheredFacts } from './facts/image-facts.service';
export type { WantedKey } from './facts/key-facts';
