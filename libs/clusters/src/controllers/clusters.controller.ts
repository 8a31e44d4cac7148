import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, Requires } from '@vigil/shared/auth';
import { parsePageRequest } from '@vigil/shared/database';
import { CreateClusterDto } from '../dtos/create-cluster.dto';
import { ClusterService } from '../services/cluster.service';

@ApiTags('clusters')
@ApiBearerAuth()
@Controller('v1/clusters')
export class ClustersController {
  constructor(private readonly clusters: ClusterService) {}

  @Get()
  @Requires('viewer')
  list(@CurrentCaller() caller: Caller, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.clusters.list(caller, parsePageRequest({ limit, cursor }));
  }

  @Post()
  @HttpCode(201)
  @Requires('editor')
  @ApiOperation({ summary: 'Register a cluster: returns a one-time registration token for its agent' })
  create(@CurrentCaller() caller: Caller, @Body() dto: CreateClusterDto) {
    return this.clusters.create(caller, dto);
  }

  @Get(':id')
  @Requires('viewer')
  @ApiOperation({ summary: 'A cluster with its health and what runs in it now' })
  get(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.clusters.get(caller, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Requires('editor')
  @ApiOperation({ summary: 'Retire a cluster: its credentials stop working at once; its history stays' })
  remove(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.clusters.remove(caller, id);
  }

  @Post(':id/registration-tokens')
  @HttpCode(201)
  @Requires('editor')
  @ApiOperation({ summary: 'A new one-time registration token (e.g. to re-register an agent)' })
  registrationToken(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.clusters.newRegistrationToken(caller, id);
  }

  @Get(':id/credentials')
  @Requires('viewer')
  credentials(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.clusters.listCredentials(caller, id);
  }

  @Post(':id/credentials/rotate')
  @HttpCode(201)
  @Requires('editor')
  @ApiOperation({ summary: 'Rotate the agent credential without downtime (old keys stay valid during the overlap)' })
  rotate(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.clusters.rotateCredentials(caller, id);
  }
}
