import { BadGatewayException, Body, Controller, Get, Headers, HttpCode, Post, Put, Param, Req, Res, UnprocessableEntityException } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AuditService } from '@vigil/audit';
import { OciError } from '@vigil/oci';
import { Caller, CurrentCaller, Requires } from '@vigil/shared/auth';
import { CatalogError } from '@vigil/supply-chain';
import type { Request, Response } from 'express';
import { DeriveSbomDto } from '../dtos/derive-sbom.dto';
import { ExposureRepository } from '../repositories/exposure.repository';
import { ImageQueryService } from '../services/image-query.service';
import { ImageSbomService } from '../services/image-sbom.service';

@ApiTags('images')
@ApiBearerAuth()
@Controller('v1/images')
export class ImagesController {
  constructor(
    private readonly queries: ImageQueryService,
    private readonly sboms: ImageSbomService,
    private readonly inventory: ExposureRepository,
    private readonly audit: AuditService,
  ) {}

  @Get(':digest')
  @Requires('viewer')
  @ApiOperation({ summary: 'An image the org has run: references, SBOM summary, vulnerabilities (severity, fixed version, package)' })
  get(@CurrentCaller() caller: Caller, @Param('digest') digest: string) {
    return this.queries.get(caller, digest);
  }

  @Get(':digest/sbom')
  @Requires('viewer')
  @ApiProduces('application/spdx+json', 'application/vnd.cyclonedx+json')
  @ApiOperation({ summary: 'The image SBOM as SPDX 2.3 (default) or CycloneDX 1.6 JSON, chosen by Accept' })
  async sbom(@CurrentCaller() caller: Caller, @Param('digest') digest: string, @Headers('accept') accept: string | undefined, @Res() res: Response) {
    const { mediaType, document } = await this.queries.sbomDocument(caller, digest, accept);
    res.status(200).type(mediaType).send(JSON.stringify(document));
  }

  @Put(':digest/sbom')
  @HttpCode(200)
  @Requires('editor')
  @ApiConsumes('application/json', 'application/spdx+json', 'application/vnd.cyclonedx+json')
  @ApiBody({ schema: { type: 'object' } })
  @ApiOperation({ summary: "Upload the image's SBOM (SPDX or CycloneDX JSON); it is this org's, and replaces the org's previous upload" })
  async upload(@CurrentCaller() caller: Caller, @Param('digest') digest: string, @Req() request: Request) {
    const orgId = await this.queries.assertObserved(caller, digest);
    return this.sboms.storeDocument(orgId, digest, request.body, 'upload', caller);
  }

  @Post(':digest/sbom/derive')
  @HttpCode(200)
  @Requires('editor')
  @ApiOperation({
    summary: 'Derive the SBOM from the registry now (attached .sbom, else the layers); the worker does this on its own',
    description: 'Synchronous and bounded; meant for operators and tests until the worker sbom job exists.',
  })
  async derive(@CurrentCaller() caller: Caller, @Param('digest') digest: string, @Body() dto: DeriveSbomDto) {
    const orgId = await this.queries.assertObserved(caller, digest);
    const refs = await this.inventory.references(orgId, digest);
    const ref = dto.ref ?? refs[0]?.ref;
    if (!ref || !refs.some((r) => r.ref === ref)) throw new UnprocessableEntityException('ref: must be a reference this org ran the image under');
    try {
      const result = await this.sboms.ensureSbom(orgId, digest, ref, { force: dto.force ?? false });
      await this.audit.record(caller, { action: 'image.sbom.derive', objectType: 'image', objectId: digest, details: { ref, source: result.source } });
      return result;
    } catch (err) {
      if (err instanceof CatalogError) throw new UnprocessableEntityException(`the image cannot be cataloged: ${err.message}`);
      if (err instanceof OciError) throw new BadGatewayException(`registry: ${err.message}`);
      throw err;
    }
  }
}
