import { Injectable } from '@nestjs/common';
import { AuditRecord, AuditService } from '@vigil/audit';
import { EventPublisher, iamEventType, orgSource } from '@vigil/events';
import { actorOf, Caller, orgOf } from '@vigil/shared/auth';

/**
 * Every IAM change is audited and emitted as `dev.vigil.iam.<object>.<verb>.v1`,
 * in the transaction that makes the change. `groupId` places the event in the
 * tree: subscribers on that group or above receive it.
 */
@Injectable()
export class IamChangeRecorder {
  constructor(
    private readonly audit: AuditService,
    private readonly publisher: EventPublisher,
  ) {}

  async record(caller: Caller, entry: AuditRecord, groupId: string, orgId: string = orgOf(caller)): Promise<void> {
    await this.audit.record(caller, entry, orgId);
    await this.publisher.publish(orgId, {
      type: iamEventType(entry.action),
      groupId,
      source: orgSource(orgId),
      subject: entry.objectId,
      data: { who: actorOf(caller), action: entry.action, object: { type: entry.objectType, id: entry.objectId }, details: entry.details ?? {} },
    });
  }
}
