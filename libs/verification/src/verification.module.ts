import { Module } from '@nestjs/common';
import { AdmissionDecisionRecorder } from './admission/admission-decision.recorder';
import { AdmissionService } from './admission/admission.service';
import { AdmissionController } from './controllers/admission.controller';
import { VerificationFactsModule } from './verification-facts.module';
import { AdmissionDecisionRepository } from './repositories';

/**
 * Admission decisions: per-org registry access, the cosign verification
 * cache (memory + `verified_image_facts`), evaluation with the cluster's
 * effective policies, and the decision log.
 */
@Module({
  imports: [VerificationFactsModule],
  controllers: [AdmissionController],
  providers: [AdmissionDecisionRepository, AdmissionDecisionRecorder, AdmissionService],
  exports: [VerificationFactsModule],
})
export class VerificationModule {}
