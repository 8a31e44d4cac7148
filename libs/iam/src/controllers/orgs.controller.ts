import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, PlatformRoute } from '@vigil/shared/auth';
import { CreateOrgDto } from '../dtos/create-org.dto';
import { OrgService } from '../services/org.service';

@ApiTags('iam')
@ApiBearerAuth()
@Controller('v1/orgs')
export class OrgsController {
  constructor(private readonly orgs: OrgService) {}

  @Post()
  @HttpCode(201)
  @PlatformRoute()
  @ApiOperation({ summary: 'Create an organization (platform admin, or a signed-in user who becomes its owner)' })
  create(@CurrentCaller() caller: Caller, @Body() dto: CreateOrgDto) {
    return this.orgs.create(caller, dto);
  }
}
