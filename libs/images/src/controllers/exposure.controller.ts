import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, Requires } from '@vigil/shared/auth';
import { ExposureParams, ExposureService } from '../services/exposure.service';

// Lives with the images context: it reads the stored matches (this context's) and observations.
@ApiTags('advisories')
@ApiBearerAuth()
@Controller('v1/advisories')
export class ExposureController {
  constructor(private readonly exposure: ExposureService) {}

  @Get(':id/exposure')
  @Requires('viewer')
  @ApiOperation({ summary: 'Every cluster, namespace, workload and image in which an image affected by the advisory ran, and when (by id or alias)' })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601; intervals overlapping [from, to)' })
  @ApiQuery({ name: 'to', required: false })
  @ApiQuery({ name: 'clusterId', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  get(@CurrentCaller() caller: Caller, @Param('id') id: string, @Query() params: ExposureParams) {
    return this.exposure.exposure(caller, id, params);
  }
}
