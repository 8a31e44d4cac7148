import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, Requires } from '@vigil/shared/auth';
import { ImageQueryService } from '../services/image-query.service';

@ApiTags('images')
@ApiBearerAuth()
@Controller('v1/packages')
export class PackagesController {
  constructor(private readonly queries: ImageQueryService) {}

  @Get('search')
  @Requires('viewer')
  @ApiOperation({ summary: 'Which images (running now, or ever with running=all) contain package P, optionally within version range R' })
  @ApiQuery({ name: 'name', required: true })
  @ApiQuery({ name: 'ecosystem', required: true, description: 'OSV ecosystem: npm, PyPI, Go, Alpine, Alpine:v3.19, Debian:12, Wolfi …' })
  @ApiQuery({ name: 'version', required: false, description: 'e.g. ">=1.2.0,<1.3.0" or "1.2.3"' })
  @ApiQuery({ name: 'running', required: false, enum: ['true', 'all'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  search(
    @CurrentCaller() caller: Caller,
    @Query() params: { name?: string; ecosystem?: string; version?: string; running?: string; limit?: string; cursor?: string },
  ) {
    return this.queries.searchPackages(caller, params);
  }
}
