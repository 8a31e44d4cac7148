import { Module } from '@nestjs/common';
import { AdmissionService } from './admission/admission.service';
import { AdmissionController } from './controllers/admission.controller';
import { ImageFactsService } from './facts/image-facts.service';
import { OrgRegistryPool } from './registry/org-registry.pool';
import { AdmissionDecisionRepository, VerifiedFactsRepository } from './repositories';

/**
 * Admission decisions: per-org registry access, the cosign verification
 * cache (memory + `verified_image_facts`), evaluation with the cluster's
 * effective policies, and the decision log.
 */
@Module({
  controllers: [AdmissionController],
  providers: [OrgRegistryPool, VerifiedFactsRepository, AdmissionDecisionRepository, ImageFactsService, AdmissionService],
  exports: [ImageFactsService],
})
export class VerificationModule {}
