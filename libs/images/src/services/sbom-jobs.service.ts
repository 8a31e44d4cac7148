import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { QUEUE_NAMES, SBOM_JOB_OPTIONS, sbomJobId, type SbomJob } from '@vigil/shared/queue';
import { ExposureRepository } from '../repositories/exposure.repository';
import { ImageSbomRepository } from '../repositories/image-sbom.repository';

export interface SbomSweepReport {
  orgs: number;
  scanned: number;
  jobsAdded: number;
}

/** Images rows one sweep tick reads at most (over all orgs), and per org per tick. */
const SWEEP_SCAN_PER_TICK = 20_000;
const SWEEP_SCAN_PER_ORG = 2_000;

/**
 * The producer of `sbom.derive` jobs: digests first observed in an org (the
 * continuous-verification inventory listener calls `digestsObserved`),
 * digests asked for at admission, and the sweep that rebuilds lost jobs.
 * Job ids are deterministic per (org, digest), so repeats are no-ops while a
 * job waits, runs or sits failed (retained 6 h: "no recent failure").
 */
@Injectable()
export class SbomJobsService {
  private readonly logger = new Logger('SbomJobsService');
  /** Where each org's sweep continues (per process: any replica's tick advances its own, all of them cover everything). */
  private readonly cursors = new Map<string, string>();
  private orgCursor = '';

  constructor(
    private readonly inventory: ExposureRepository,
    private readonly sboms: ImageSbomRepository,
    @InjectQueue(QUEUE_NAMES.sbom) private readonly queue: Queue,
  ) {}

  /** New digests in an org (already committed to the inventory): queue SBOMs for those that have none. */
  async digestsObserved(orgId: string, digests: readonly string[]): Promise<number> {
    return this.add(orgId, await this.inventory.withoutSbom(orgId, digests));
  }

  /** Digests seen elsewhere (an admission request): queue SBOMs for those that have none. */
  async request(orgId: string, images: readonly { digest: string; ref: string }[]): Promise<number> {
    if (images.length === 0) return 0;
    const known = new Set((await this.sboms.usableFor(orgId, images.map((i) => i.digest))).map((s) => s.digest));
    return this.add(orgId, images.filter((i) => !known.has(i.digest)));
  }

  /**
   * One bounded slice: for orgs in turn, the next images (keyset) that run
   * and have no SBOM get their job re-added. Reads at most
   * SWEEP_SCAN_PER_TICK images rows, so a large fleet is covered over several ticks.
   */
  async sweep(): Promise<SbomSweepReport> {
    const report: SbomSweepReport = { orgs: 0, scanned: 0, jobsAdded: 0 };
    const orgs = await this.inventory.orgsWithClusters();
    if (orgs.length === 0) return report;
    // Start after the org the previous tick stopped at, wrapping around.
    const start = orgs.findIndex((o) => o > this.orgCursor);
    const ordered = start <= 0 ? orgs : [...orgs.slice(start), ...orgs.slice(0, start)];
    for (const orgId of ordered) {
      if (report.scanned >= SWEEP_SCAN_PER_TICK) break;
      try {
        const slice = await this.inventory.runningWithoutSbom(orgId, this.cursors.get(orgId) ?? '', SWEEP_SCAN_PER_ORG);
        report.scanned += slice.scanned;
        report.orgs += 1;
        this.orgCursor = orgId;
        if (slice.last === null) this.cursors.delete(orgId);
        else this.cursors.set(orgId, slice.last);
        report.jobsAdded += await this.add(orgId, slice.images);
      } catch (error) {
        // One org's failure must not stop the others; the next tick comes back to it.
        this.logger.warn({ err: error, orgId }, 'sbom sweep of an org failed');
      }
    }
    if (report.orgs === orgs.length) this.orgCursor = '';
    return report;
  }

  private async add(orgId: string, images: readonly { digest: string; ref: string }[]): Promise<number> {
    if (images.length === 0) return 0;
    const jobs = images.map((i) => {
      const data: SbomJob = { orgId, digest: i.digest, ref: i.ref };
      return { name: 'sbom.derive', data, opts: { ...SBOM_JOB_OPTIONS, jobId: sbomJobId(data) } };
    });
    for (let i = 0; i < jobs.length; i += 500) await this.queue.addBulk(jobs.slice(i, i + 500));
    return jobs.length;
  }
}
