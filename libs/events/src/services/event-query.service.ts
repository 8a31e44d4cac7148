import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { AUTHORIZER, Authorizer, Caller, orgOf } from '@vigil/shared/auth';
import { PageRequest, toPage } from '@vigil/shared/database';
import { KNOWN_EVENT_TYPE } from '../event-types';
import { EventRepository } from '../repositories';
import { eventView } from './views';

/** The event log: everything that was emitted, for the groups the caller can see. */
@Injectable()
export class EventQueryService {
  constructor(
    private readonly events: EventRepository,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
  ) {}

  async list(caller: Caller, filter: { type?: string }, page: PageRequest) {
    if (filter.type !== undefined && !KNOWN_EVENT_TYPE.test(filter.type)) throw new BadRequestException('type: must look like dev.vigil.<name>.v<N>');
    if (page.after && !/^\d{1,19}$/.test(page.after)) throw new BadRequestException('cursor: is not a cursor this API returned');
    const roots = await this.authorizer.groupsWithRole(caller, 'viewer');
    const rows = await this.events.list(orgOf(caller), { roots, type: filter.type }, page);
    const result = toPage(rows, page.limit, (e) => e.seq);
    return { items: result.items.map(eventView), nextCursor: result.nextCursor };
  }
}
