import { Processor, WorkerHost } from '@nestjs/bullmq';
import { BadRequestException, Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { ImageSbomService, SbomJobsService, type SbomSummary, type SbomSweepReport } from '@vigil/images';
import { OciError } from '@vigil/oci';
import { QUEUE_NAMES, type SbomJob } from '@vigil/shared/queue';
import { CatalogError } from '@vigil/supply-chain';

/** Layers are read one at a time but can be large: few at once per worker. */
export const SBOM_CONCURRENCY = 2;

/**
 * `sbom.derive`: the digest's SBOM (stored, attached `.sbom`, or cataloged
 * from its layers), stored and matched; storing it asks continuous
 * verification to re-verify the digest where it runs. A hostile or malformed
 * image, or a registry answer that will not change (not found, denied), is
 * not retried; timeouts and 5xx are. `sbom.sweep`: rebuilds lost jobs.
 */
@Processor(QUEUE_NAMES.sbom, { concurrency: SBOM_CONCURRENCY })
export class SbomProcessor extends WorkerHost {
  private readonly logger = new Logger('SbomProcessor');

  constructor(
    private readonly sboms: ImageSbomService,
    private readonly jobs: SbomJobsService,
  ) {
    super();
  }

  async process(job: Job<SbomJob | Record<string, never>>): Promise<SbomSummary | SbomSweepReport> {
    if (job.name === 'sbom.sweep') return this.jobs.sweep();
    const { orgId, digest, ref } = job.data as SbomJob;
    try {
      return await this.sboms.ensureSbom(orgId, digest, ref);
    } catch (error) {
      // Retrying would find the same content or the same answer (an attached .sbom that does not parse is a BadRequestException).
      if (error instanceof CatalogError || error instanceof BadRequestException || (error instanceof OciError && !error.retryable)) {
        this.logger.warn({ orgId, digest, ref, err: error }, 'SBOM derivation gave up');
        throw new UnrecoverableError(`${error instanceof OciError ? 'registry' : 'the image cannot be cataloged'}: ${error.message}`);
      }
      throw error;
    }
  }
}
