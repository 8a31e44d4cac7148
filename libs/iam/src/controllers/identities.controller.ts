import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, Requires } from '@vigil/shared/auth';
import { parsePageRequest } from '@vigil/shared/database';
import { CreateIdentityDto, CreateTokenDto } from '../dtos/create-identity.dto';
import { IdentityService } from '../services/identity.service';

@ApiTags('iam')
@ApiBearerAuth()
@Controller('v1')
export class IdentitiesController {
  constructor(private readonly identities: IdentityService) {}

  @Get('identities')
  @Requires('viewer')
  list(@CurrentCaller() caller: Caller, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.identities.list(caller, parsePageRequest({ limit, cursor }));
  }

  @Post('identities')
  @HttpCode(201)
  @Requires('owner')
  @ApiOperation({ summary: 'Create a service identity' })
  create(@CurrentCaller() caller: Caller, @Body() dto: CreateIdentityDto) {
    return this.identities.create(caller, dto);
  }

  @Get('identities/:id')
  @Requires('viewer')
  get(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.identities.get(caller, id);
  }

  @Get('identities/:id/tokens')
  @Requires('viewer')
  @ApiOperation({ summary: "An identity's API tokens (metadata only)" })
  listTokens(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.identities.listTokens(caller, id);
  }

  @Post('identities/:id/tokens')
  @HttpCode(201)
  @Requires('owner')
  @ApiOperation({ summary: 'Create an API token: the token is in this response only' })
  createToken(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string, @Body() dto: CreateTokenDto) {
    return this.identities.createToken(caller, id, dto);
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  @Requires('viewer')
  @ApiOperation({ summary: 'Revoke a token (owners of its identity, or the identity itself)' })
  revokeToken(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.identities.revokeToken(caller, id);
  }
}
