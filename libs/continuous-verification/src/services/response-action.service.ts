import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@vigil/audit';
import { AgentCommandQueue } from '@vigil/clusters';
import type { ClusterPolicyState } from '@vigil/policies';
import type { Caller } from '@vigil/shared/auth';
import { stableUuid } from '../core/stable-id';
import type { Workload } from '../core/verification.types';
import { ViolationRepository, type OpenedViolation } from '../repositories/violation.repository';

/**
 * Response actions a policy names (`spec.actions`), taken when one of its
 * violations opens, in the same transaction: the command for the agent, the
 * action log row and an audit entry commit with the violation or not at all.
 * The agent's acknowledgement is recorded on the command (and audited there).
 */
@Injectable()
export class ResponseActionService {
  private readonly logger = new Logger('ResponseActionService');

  constructor(
    private readonly commands: AgentCommandQueue,
    private readonly violations: ViolationRepository,
    private readonly audit: AuditService,
  ) {}

  async violationsOpened(orgId: string, clusterId: string, state: ClusterPolicyState, opened: readonly OpenedViolation[]): Promise<number> {
    let queued = 0;
    for (const violation of opened) {
      const policy = state.policies.find((p) => p.policyId === violation.result.policyId)?.policy;
      if (!policy?.actions?.some((a) => a.type === 'deletePods')) continue;
      for (const workload of violation.workloads) {
        if (await this.deletePods(orgId, clusterId, violation, workload)) queued++;
      }
    }
    return queued;
  }

  private async deletePods(orgId: string, clusterId: string, violation: OpenedViolation, workload: Workload): Promise<boolean> {
    const commandId = stableUuid(`delete-pods|${violation.id}|${workload.namespace}|${workload.kind}|${workload.name}`);
    const reason = `policy '${violation.result.policyName}' revision ${violation.result.revision}: ${violation.result.diagnostic}`;
    try {
      await this.commands.queueDeletePods(orgId, clusterId, commandId, { namespace: workload.namespace, workload: { kind: workload.kind, name: workload.name }, reason });
    } catch (error) {
      // Only the wire schema can refuse it (before any SQL ran): log and carry on with the verification.
      this.logger.warn({ err: error, orgId, clusterId, violationId: violation.id }, 'delete-pods command refused by the protocol schema');
      return false;
    }
    await this.violations.recordAction(orgId, { violationId: violation.id, type: 'deletePods', commandId, workload });
    await this.audit.record(
      systemActor(orgId, violation.id),
      {
        action: 'violation.action.delete-pods',
        objectType: 'violation',
        objectId: violation.id,
        details: { clusterId, commandId, namespace: workload.namespace, workload: { kind: workload.kind, name: workload.name }, policyId: violation.result.policyId, revision: violation.result.revision, imageDigest: violation.digest, automated: true },
      },
      orgId,
    );
    return true;
  }
}

/** The platform acting on a policy's behalf: recorded as such, not as any person or the admin. */
function systemActor(orgId: string, violationId: string): Caller {
  return { principal: { type: 'system', component: 'response-action' }, orgId, grants: [], requestId: `violation:${violationId}` };
}
