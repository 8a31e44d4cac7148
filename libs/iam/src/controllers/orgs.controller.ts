import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, PlatformRoute, Requires } from '@vigil/shared/auth';
import { CreateOrgDto, UpdateOrgDto } from '../dtos/create-org.dto';
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

  @Get(':id')
  @Requires('viewer')
  get(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.orgs.get(caller, id);
  }

  @Patch(':id')
  @Requires('owner')
  @ApiOperation({ summary: 'Change org settings: name, inventory retention' })
  update(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateOrgDto) {
    return this.orgs.update(caller, id, dto);
  }
}
