import { AdmissionDecisionEntity } from './admission-decision.entity';
import { VerifiedImageFactsEntity } from './verified-image-facts.entity';

export { AdmissionDecisionEntity, VerifiedImageFactsEntity };
export type { StoredImageDecision } from './admission-decision.entity';
export const verificationEntities = [AdmissionDecisionEntity, VerifiedImageFactsEntity];
