import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Requires } from '@vigil/shared/auth';
import type { Request } from 'express';
import { SbomScanService } from '../services/sbom-scan.service';

@ApiTags('advisories')
@ApiBearerAuth()
@Controller('v1/sboms')
export class SbomsController {
  constructor(private readonly scans: SbomScanService) {}

  @Post('scan')
  @HttpCode(200)
  @Requires('viewer')
  @ApiOperation({
    summary: 'Match an SBOM (SPDX 2.2/2.3 or CycloneDX 1.4-1.6 JSON) against the imported advisories; nothing is stored',
    description: 'Bodies over 2 MB: send them as application/spdx+json, application/vnd.cyclonedx+json or application/octet-stream.',
  })
  @ApiConsumes('application/json', 'application/spdx+json', 'application/vnd.cyclonedx+json')
  @ApiBody({ schema: { type: 'object' } })
  scan(@Req() request: Request) {
    return this.scans.scan(request.body);
  }
}
