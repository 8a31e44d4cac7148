import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, Requires } from '@vigil/shared/auth';
import { parsePageRequest } from '@vigil/shared/database';
import { CreateRoleBindingDto } from '../dtos/create-role-binding.dto';
import { RoleBindingService } from '../services/role-binding.service';

@ApiTags('iam')
@ApiBearerAuth()
@Controller('v1/role-bindings')
export class RoleBindingsController {
  constructor(private readonly bindings: RoleBindingService) {}

  @Get()
  @Requires('viewer')
  list(
    @CurrentCaller() caller: Caller,
    @Query('identityId', new ParseUUIDPipe({ optional: true })) identityId?: string,
    @Query('groupId', new ParseUUIDPipe({ optional: true })) groupId?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ) {
    return this.bindings.list(caller, { identityId, groupId }, parsePageRequest({ limit, cursor }));
  }

  @Post()
  @HttpCode(201)
  @Requires('owner')
  create(@CurrentCaller() caller: Caller, @Body() dto: CreateRoleBindingDto) {
    return this.bindings.create(caller, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Requires('owner')
  remove(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.bindings.remove(caller, id);
  }
}
