import { Global, Module } from '@nestjs/common';
import { PoliciesController } from './controllers/policies.controller';
import { EffectivePolicyRepository, PolicyRepository } from './repositories';
import { EffectivePoliciesService } from './services/effective-policies.service';
import { PolicyService } from './services/policy.service';

/**
 * Policies and their revisions. Exports one facade, EffectivePoliciesService
 * (the compiled policies and policy state token of a cluster), used by
 * admission and by agent heartbeats.
 */
@Global()
@Module({
  controllers: [PoliciesController],
  providers: [PolicyRepository, EffectivePolicyRepository, PolicyService, EffectivePoliciesService],
  exports: [EffectivePoliciesService],
})
export class PoliciesModule {}
