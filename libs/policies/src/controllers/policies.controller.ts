import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { isUUID } from 'class-validator';
import { Caller, CurrentCaller, Requires } from '@vigil/shared/auth';
import { parsePageRequest } from '@vigil/shared/database';
import { CreatePolicyDto } from '../dtos/create-policy.dto';
import { UpdatePolicyDto } from '../dtos/update-policy.dto';
import { PolicyService } from '../services/policy.service';
import { RevisionNumberPipe } from './revision-number.pipe';

@ApiTags('policies')
@ApiBearerAuth()
@Controller('v1/policies')
export class PoliciesController {
  constructor(private readonly policies: PolicyService) {}

  @Get()
  @Requires('viewer')
  @ApiOperation({ summary: 'Policies the caller can see (optionally only those attached to one group)' })
  @ApiQuery({ name: 'groupId', required: false })
  list(@CurrentCaller() caller: Caller, @Query('groupId') groupId?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    if (groupId !== undefined && !isUUID(groupId)) throw new BadRequestException('groupId: must be a UUID');
    return this.policies.list(caller, parsePageRequest({ limit, cursor }), groupId || undefined);
  }

  @Post()
  @HttpCode(201)
  @Requires('editor')
  @ApiOperation({ summary: 'Create a policy on a group from an ImagePolicy or ClusterImagePolicy document (revision 1)' })
  create(@CurrentCaller() caller: Caller, @Body() dto: CreatePolicyDto) {
    return this.policies.create(caller, dto);
  }

  @Get(':id')
  @Requires('viewer')
  @ApiOperation({ summary: 'A policy with the document of its current revision' })
  get(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.policies.get(caller, id);
  }

  @Put(':id')
  @HttpCode(200)
  @Requires('editor')
  @ApiOperation({ summary: 'Replace the document: a new immutable revision (revision + 1)' })
  update(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdatePolicyDto) {
    return this.policies.update(caller, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @Requires('editor')
  @ApiOperation({ summary: 'Retire a policy: it stops applying at once; its revisions stay readable in the audit trail' })
  remove(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.policies.remove(caller, id);
  }

  @Get(':id/revisions')
  @Requires('viewer')
  @ApiOperation({ summary: 'Revisions, newest first (without documents)' })
  revisions(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.policies.revisions(caller, id, parsePageRequest({ limit, cursor }));
  }

  @Get(':id/revisions/:revision')
  @Requires('viewer')
  @ApiOperation({ summary: 'One revision with its document' })
  revision(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string, @Param('revision', RevisionNumberPipe) revision: number) {
    return this.policies.revision(caller, id, revision);
  }

  @Get(':id/revisions/:from/diff/:to')
  @Requires('viewer')
  @ApiOperation({ summary: 'Unified diff of the documents of two revisions' })
  diff(
    @CurrentCaller() caller: Caller,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('from', RevisionNumberPipe) from: number,
    @Param('to', RevisionNumberPipe) to: number,
  ) {
    return this.policies.diff(caller, id, from, to);
  }
}
