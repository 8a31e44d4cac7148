import { Global, Module } from '@nestjs/common';
import { PoliciesController } from './controllers/policies.controller';
import { EffectivePoliciesModule } from './effective-policies.module';
import { PolicyRepository } from './repositories';
import { PolicyService } from './services/policy.service';

/**
 * Policies and their revisions. Exports one facade, EffectivePoliciesService
 * (the compiled policies and policy state token of a cluster), used by
 * admission, agent heartbeats and continuous verification.
 */
@Global()
@Module({
  imports: [EffectivePoliciesModule],
  controllers: [PoliciesController],
  providers: [PolicyRepository, PolicyService],
  exports: [EffectivePoliciesModule],
})
export class PoliciesModule {}
