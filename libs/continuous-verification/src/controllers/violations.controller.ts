import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, Requires } from '@vigil/shared/auth';
import { parsePageRequest } from '@vigil/shared/database';
import { UpdateScheduleDto } from '../dtos/update-schedule.dto';
import { ViolationQueryService } from '../services/violation-query.service';

@ApiTags('continuous verification')
@ApiBearerAuth()
@Controller('v1')
export class ViolationsController {
  constructor(private readonly queries: ViolationQueryService) {}

  @Get('violations')
  @Requires('viewer')
  @ApiOperation({ summary: 'Open and past violations in the clusters the caller can see' })
  @ApiQuery({ name: 'state', required: false, enum: ['open', 'resolved'] })
  @ApiQuery({ name: 'clusterId', required: false })
  list(@CurrentCaller() caller: Caller, @Query('state') state?: string, @Query('clusterId') clusterId?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.queries.list(caller, { state: state || undefined, clusterId: clusterId || undefined }, parsePageRequest({ limit, cursor }));
  }

  @Get('violations/:id')
  @Requires('viewer')
  @ApiOperation({ summary: 'One violation, with the response actions taken and their acknowledgements' })
  get(@CurrentCaller() caller: Caller, @Param('id', ParseUUIDPipe) id: string) {
    return this.queries.get(caller, id);
  }

  @Get('verification/failures')
  @Requires('viewer')
  @ApiOperation({ summary: 'Re-verifications that could not finish (retried with backoff)' })
  @ApiQuery({ name: 'clusterId', required: false })
  failures(@CurrentCaller() caller: Caller, @Query('clusterId') clusterId?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string) {
    return this.queries.failures(caller, { clusterId: clusterId || undefined }, parsePageRequest({ limit, cursor }));
  }

  @Get('verification/schedule')
  @Requires('viewer')
  @ApiOperation({ summary: "The org's re-verification schedule" })
  schedule(@CurrentCaller() caller: Caller) {
    return this.queries.schedule(caller);
  }

  @Put('verification/schedule')
  @HttpCode(200)
  @Requires('owner')
  @ApiOperation({ summary: 'How often every running image is re-verified (owner)' })
  setSchedule(@CurrentCaller() caller: Caller, @Body() dto: UpdateScheduleDto) {
    return this.queries.setSchedule(caller, dto.intervalSeconds);
  }
}
