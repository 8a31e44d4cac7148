import { Global, Module } from '@nestjs/common';
import { EffectivePolicyRepository } from './repositories';
import { EffectivePoliciesService } from './services/effective-policies.service';

/**
 * The read side other contexts need (compiled effective policies of a
 * cluster), without the REST surface: workers import this alone.
 */
@Global()
@Module({
  providers: [EffectivePolicyRepository, EffectivePoliciesService],
  exports: [EffectivePoliciesService],
})
export class EffectivePoliciesModule {}
