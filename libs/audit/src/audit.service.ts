import { Injectable } from '@nestjs/common';
import { actorOf, Caller, orgOf } from '@vigil/shared/auth';
import { Database, Page, PageRequest, toPage } from '@vigil/shared/database';
import { AuditEntryEntity } from './audit-entry.entity';

export interface AuditRecord {
  action: string;
  objectType: string;
  objectId: string;
  details?: Record<string, unknown>;
}

export interface AuditEntryView {
  id: string;
  actor: { type: string; id: string };
  action: string;
  object: { type: string; id: string };
  details: Record<string, unknown>;
  requestId: string | null;
  at: string;
}

/**
 * Who changed what, when. `record` joins the caller's ambient transaction, so
 * a change and its audit entry commit together or not at all.
 */
@Injectable()
export class AuditService {
  constructor(private readonly database: Database) {}

  async record(caller: Caller, entry: AuditRecord, orgId: string = orgOf(caller)): Promise<void> {
    const actor = actorOf(caller);
    await this.database.forOrg(orgId, (m) =>
      m.insert(AuditEntryEntity, {
        orgId,
        actorType: actor.type,
        actorId: actor.id,
        action: entry.action,
        objectType: entry.objectType,
        objectId: entry.objectId,
        details: (entry.details ?? {}) as AuditEntryEntity['details'] & object,
        requestId: caller.requestId,
      }),
    );
  }

  async list(orgId: string, page: PageRequest): Promise<Page<AuditEntryView>> {
    const rows = await this.database.forOrg(orgId, (m) => {
      const q = m
        .createQueryBuilder(AuditEntryEntity, 'a')
        .where('a.org_id = :orgId', { orgId })
        .orderBy('a.id', 'DESC')
        .limit(page.limit + 1);
      if (page.after) {
        if (!/^\d{1,19}$/.test(page.after)) return Promise.resolve([] as AuditEntryEntity[]);
        q.andWhere('a.id < :after', { after: page.after });
      }
      return q.getMany();
    });
    const result = toPage(rows, page.limit, (r) => r.id);
    return { items: result.items.map(toView), nextCursor: result.nextCursor };
  }
}

function toView(e: AuditEntryEntity): AuditEntryView {
  return {
    id: e.id,
    actor: { type: e.actorType, id: e.actorId },
    action: e.action,
    object: { type: e.objectType, id: e.objectId },
    details: e.details,
    requestId: e.requestId,
    at: e.createdAt.toISOString(),
  };
}
