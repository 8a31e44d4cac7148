import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, Requires } from '@vigil/shared/auth';
import { parsePageRequest } from '@vigil/shared/database';
import { CreateGroupDto, UpdateGroupDto } from '../dtos/create-group.dto';
import { GroupService } from '../services/group.service';

@ApiTags('iam')
@ApiBearerAuth()
@Controller('v1/groups')
export class GroupsController {
  constructor(private readonly groups: GroupService) {}

  @Get()
  @Requires('viewer')
  @ApiOperation({ summary: 'Groups the caller can see' })
  list(@CurrentCaller() caller: Caller, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.groups.list(caller, parsePageRequest({ limit, cursor }));
  }

  @Post()
  @HttpCode(201)
  @Requires('owner')
  create(@CurrentCaller() caller: Caller, @Body() dto: CreateGroupDto) {
    return this.groups.create(caller, dto);
  }

  @Get(':id')
  @Requires('viewer')
  get(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.groups.get(caller, id);
  }

  @Patch(':id')
  @Requires('owner')
  update(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateGroupDto) {
    return this.groups.update(caller, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Requires('owner')
  remove(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.groups.remove(caller, id);
  }
}
