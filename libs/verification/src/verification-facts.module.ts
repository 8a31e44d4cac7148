import { Module } from '@nestjs/common';
import { ImageFactsService } from './facts/image-facts.service';
import { OrgRegistryPool } from './registry/org-registry.pool';
import { VerifiedFactsRepository } from './repositories';

/**
 * The fact-gathering facade alone (per-org registry clients, the verified
 * metadata cache, cosign verification): admission and continuous
 * verification both gather facts through ImageFactsService.
 */
@Module({
  providers: [OrgRegistryPool, VerifiedFactsRepository, ImageFactsService],
  exports: [ImageFactsService],
})
export class VerificationFactsModule {}
