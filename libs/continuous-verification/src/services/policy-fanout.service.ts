import { Injectable } from '@nestjs/common';
import { EffectivePoliciesService } from '@vigil/policies';
import { policyMatches, tryParseImageReference, type CompiledPolicy } from '@vigil/policy-engine';
import { Database } from '@vigil/shared/database';
import type { VerifyPolicyJob } from '@vigil/shared/queue';
import { EvaluationRepository } from '../repositories/evaluation.repository';
import { PolicyChangeRepository } from '../repositories/policy-change.repository';
import { RunningImageRepository } from '../repositories/running-image.repository';
import { VerificationTargetRepository } from '../repositories/verification-target.repository';
import { ContinuousVerification } from './continuous-verification.service';

/**
 * Fans one policy change out to exactly the images it can affect: those
 * running in clusters at or below the revision's group whose references its
 * globs match, plus those that have a result of this policy (what older
 * revisions matched, or where it was attached before a move). Marks them due
 * and the change processed in one transaction; enqueues after commit.
 */
@Injectable()
export class PolicyFanoutService {
  constructor(
    private readonly database: Database,
    private readonly changes: PolicyChangeRepository,
    private readonly evaluations: EvaluationRepository,
    private readonly running: RunningImageRepository,
    private readonly targets: VerificationTargetRepository,
    private readonly policies: EffectivePoliciesService,
    private readonly verification: ContinuousVerification,
  ) {}

  async fanOut(job: VerifyPolicyJob): Promise<number> {
    const { orgId } = job;
    const pairs = await this.database.forOrg(orgId, async () => {
      const change = await this.changes.lockPending(orgId, job.changeId);
      if (!change || change.processedAt) return null;
      const affected = await this.evaluations.pairsOfPolicy(orgId, change.policyId);
      if (change.revision !== null) {
        const policy = await this.policies.revisionPolicy(orgId, change.policyId, change.revision);
        const groupId = await this.running.revisionGroup(orgId, change.policyId, change.revision);
        if (policy && groupId) {
          const matches = refMatcher(policy);
          for (const r of await this.running.runningUnderGroup(orgId, groupId)) if (matches(r.ref)) affected.push({ clusterId: r.clusterId, digest: r.digest });
        }
      }
      await this.targets.markDue(orgId, affected);
      await this.changes.markProcessed(orgId, change.id);
      return affected;
    });
    if (!pairs) return 0;
    await this.verification.enqueueDueIn(orgId, [...new Set(pairs.map((p) => p.clusterId))]);
    return pairs.length;
  }
}

/** Glob matching per distinct reference (a fleet runs few references many times). */
function refMatcher(policy: CompiledPolicy): (ref: string) => boolean {
  const seen = new Map<string, boolean>();
  return (ref) => {
    let hit = seen.get(ref);
    if (hit === undefined) {
      hit = policyMatches(policy, tryParseImageReference(ref), ref, undefined);
      seen.set(ref, hit);
    }
    return hit;
  };
}
