import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeEndpoint, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { InventoryBatch, validateInventoryBatch } from '@vigil/agent-protocol';
import { AgentAuthGuard, AgentBodyPipe, AgentPrincipal, CurrentAgent } from '@vigil/clusters';
import { Caller, CurrentCaller, Public, Requires } from '@vigil/shared/auth';
import { InventoryIngestService } from '../services/inventory-ingest.service';
import { ContainerQueryParams, InventoryQueryService } from '../services/inventory-query.service';

@ApiTags('inventory')
@Controller('v1')
export class InventoryController {
  constructor(
    private readonly ingest: InventoryIngestService,
    private readonly queries: InventoryQueryService,
  ) {}

  @Public()
  @UseGuards(AgentAuthGuard)
  @Post('agent/inventory')
  @HttpCode(200)
  @ApiExcludeEndpoint()
  receive(@CurrentAgent() agent: AgentPrincipal, @Body(new AgentBodyPipe(validateInventoryBatch)) batch: InventoryBatch) {
    return this.ingest.apply(agent, batch);
  }

  @Get('inventory/containers')
  @Requires('viewer')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Containers running now (default), ended (running=false), all, or running at an instant (at=, most recently started first)' })
  @ApiQuery({ name: 'clusterId', required: false })
  @ApiQuery({ name: 'namespace', required: false })
  @ApiQuery({ name: 'workload', required: false, description: 'Kind/name or name' })
  @ApiQuery({ name: 'image', required: false, description: 'sha256:… digest or an exact reference' })
  @ApiQuery({ name: 'running', required: false, enum: ['true', 'false', 'all'] })
  @ApiQuery({ name: 'at', required: false, description: 'ISO 8601 instant' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  containers(@CurrentCaller() caller: Caller, @Query() params: ContainerQueryParams) {
    return this.queries.containers(caller, params);
  }
}
