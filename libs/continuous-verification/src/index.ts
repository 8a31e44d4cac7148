export { ContinuousVerificationCoreModule, ContinuousVerificationModule, ContinuousVerificationWorkerModule } from './continuous-verification.module';
export { ContinuousVerification } from './services/continuous-verification.service';
export { VerifyService, type VerifyOutcome } from './services/verify.service';
export { PolicyFanoutService } from './services/policy-fanout.service';
export { ReverifySweepService, type SweepReport } from './services/reverify-sweep.service';
export { DEFAULT_SWEEP_INTERVAL_SECONDS } from './repositories/schedule.repository';
export {
  IMAGE_SUPPLY_CHAIN_FACTS,
  UnknownSupplyChainFacts,
  type ImageSupplyChainFacts,
  type SupplyChainFacts,
} from './supply-chain/image-supply-chain-facts';
export { planVerification } from './core/verification-plan';
export type { Change, Resolution, Workload } from './core/verification.types';
