import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AUTHORIZER, Authorizer, Caller, CurrentCaller, orgOf, Requires } from '@vigil/shared/auth';
import { parsePageRequest } from '@vigil/shared/database';
import { AuditService } from './audit.service';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
  ) {}

  @Get()
  @Requires('owner')
  @ApiOperation({ summary: "The org's audit log, newest first (owners of the root group)" })
  async list(@CurrentCaller() caller: Caller, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    const orgId = orgOf(caller);
    await this.authorizer.assertRole(caller, 'owner', await this.authorizer.rootGroupOf(orgId));
    return this.audit.list(orgId, parsePageRequest({ limit, cursor }));
  }
}
