export { VerificationModule } from './verification.module';
export { verificationEntities } from './entities';
export type { StoredImageDecision } from './entities';
export { AdmissionService, ADMISSION_BUDGET_MS } from './admission/admission.service';
export { ImageFactsService, type GatheredFacts } from './facts/image-facts.service';
