import { Controller, Get, HttpCode, NotFoundException, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, PlatformRoute, Requires } from '@vigil/shared/auth';
import type { Request } from 'express';
import { AdvisoryImportService } from '../services/advisory-import.service';
import { AdvisoryQueryService } from '../services/advisory-query.service';
import { advisoryIdParam } from './advisory-id.param';

@ApiTags('advisories')
@ApiBearerAuth()
@Controller('v1/advisories')
export class AdvisoriesController {
  constructor(
    private readonly imports: AdvisoryImportService,
    private readonly queries: AdvisoryQueryService,
  ) {}

  @Post('import')
  @HttpCode(200)
  @PlatformRoute()
  @ApiOperation({
    summary: 'Import OSV records (platform admin): a JSON object, a JSON array, or a zip of OSV JSON files (as OSV exports all.zip)',
    description: 'Upserts by id and `modified`; a bad record is rejected with its error while the rest import. Bodies over 2 MB: send them as application/zip or application/octet-stream.',
  })
  @ApiConsumes('application/json', 'application/zip', 'application/octet-stream')
  @ApiBody({ schema: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' } }, { type: 'string', format: 'binary' }] } })
  import(@CurrentCaller() caller: Caller, @Req() request: Request) {
    return this.imports.import(caller, request.body);
  }

  @Get(':id')
  @Requires('viewer')
  @ApiOperation({ summary: 'An advisory by id, or the records that carry this id as an alias (a CVE)' })
  async get(@Param('id') id: string) {
    const advisory = await this.queries.resolve(advisoryIdParam(id));
    if (!advisory) throw new NotFoundException(`advisory ${id} not found`);
    const { ids: _ids, ...view } = advisory;
    return view;
  }
}
