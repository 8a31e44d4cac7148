import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { AuditService } from '@vigil/audit';
import { AgentCommandQueue, AgentCommandRepository } from '@vigil/clusters';
import { IMAGE_CHANGE_LISTENER } from '@vigil/images';
import { INVENTORY_CHANGE_LISTENER } from '@vigil/inventory';
import { EffectivePoliciesModule, POLICY_CHANGE_LISTENER } from '@vigil/policies';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { VerificationFactsModule } from '@vigil/verification';
import { ViolationsController } from './controllers/violations.controller';
import { EvaluationRepository } from './repositories/evaluation.repository';
import { PolicyChangeRepository } from './repositories/policy-change.repository';
import { RunningImageRepository } from './repositories/running-image.repository';
import { ScheduleRepository } from './repositories/schedule.repository';
import { VerificationTargetRepository } from './repositories/verification-target.repository';
import { ViolationRepository } from './repositories/violation.repository';
import { ContinuousVerification } from './services/continuous-verification.service';
import { PolicyFanoutService } from './services/policy-fanout.service';
import { ResponseActionService } from './services/response-action.service';
import { ReverifySweepService } from './services/reverify-sweep.service';
import { VerifyService } from './services/verify.service';
import { ViolationQueryService } from './services/violation-query.service';

const queues = BullModule.registerQueue({ name: QUEUE_NAMES.verify }, { name: QUEUE_NAMES.reverifySweep });
const repositories = [VerificationTargetRepository, EvaluationRepository, ViolationRepository, RunningImageRepository, PolicyChangeRepository, ScheduleRepository];

/**
 * The trigger side, for every process: the ContinuousVerification facade and
 * the listeners policies, inventory and images call (global, so their optional
 * injections find them without importing this context).
 */
@Global()
@Module({
  imports: [queues],
  providers: [
    ...repositories,
    ContinuousVerification,
    { provide: POLICY_CHANGE_LISTENER, useExisting: ContinuousVerification },
    { provide: INVENTORY_CHANGE_LISTENER, useExisting: ContinuousVerification },
    { provide: IMAGE_CHANGE_LISTENER, useExisting: ContinuousVerification },
  ],
  exports: [...repositories, ContinuousVerification, POLICY_CHANGE_LISTENER, INVENTORY_CHANGE_LISTENER, IMAGE_CHANGE_LISTENER, queues],
})
export class ContinuousVerificationCoreModule {}

/** The API side: violations, failures and the schedule. */
@Module({
  imports: [ContinuousVerificationCoreModule],
  controllers: [ViolationsController],
  providers: [ViolationQueryService],
})
export class ContinuousVerificationModule {}

/** The worker side: verify, fan-out and sweep logic (processors live in apps/worker). */
@Module({
  imports: [ContinuousVerificationCoreModule, VerificationFactsModule, EffectivePoliciesModule],
  providers: [VerifyService, PolicyFanoutService, ReverifySweepService, ResponseActionService, AgentCommandQueue, AgentCommandRepository, AuditService],
  exports: [VerifyService, PolicyFanoutService, ReverifySweepService],
})
export class ContinuousVerificationWorkerModule {}
