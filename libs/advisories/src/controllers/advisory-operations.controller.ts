import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller, PlatformRoute } from '@vigil/shared/auth';
import { parsePageRequest } from '@vigil/shared/database';
import { AdvisoryFeedService } from '../services/advisory-feed.service';
import { AdvisoryMatchingService } from '../services/advisory-matching.service';

/** How the background side of the advisories is doing (platform admin): re-matching after imports, scheduled feeds. */
@ApiTags('advisories')
@ApiBearerAuth()
@Controller('v1')
export class AdvisoryOperationsController {
  constructor(
    private readonly matching: AdvisoryMatchingService,
    private readonly feeds: AdvisoryFeedService,
  ) {}

  @Get('advisory-matching')
  @PlatformRoute()
  @ApiOperation({ summary: 'Advisories whose image matches are still being recomputed after an import, and those whose re-match failed (platform admin)' })
  @ApiQuery({ name: 'limit', required: false })
  matchingStatus(@CurrentCaller() caller: Caller, @Query('limit') limit?: string) {
    return this.matching.status(caller, parsePageRequest({ limit }).limit);
  }

  @Get('advisory-feeds')
  @PlatformRoute()
  @ApiOperation({ summary: 'The configured OSV feeds (VIGIL_ADVISORY_FEEDS): last check, last success and its counts, last error (platform admin)' })
  feedStatus(@CurrentCaller() caller: Caller) {
    return this.feeds.status(caller);
  }
}
