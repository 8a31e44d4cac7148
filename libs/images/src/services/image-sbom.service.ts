import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { parseUploadedSbom } from '@vigil/advisories';
import { AuditService } from '@vigil/audit';
import { parseImageReference } from '@vigil/policy-engine';
import type { Caller } from '@vigil/shared/auth';
import { Database } from '@vigil/shared/database';
import type { ImageCatalog, ParsedSbom, SbomPackage } from '@vigil/supply-chain';
import type { ImageSbomEntity, SbomSource } from '../entities';
import { ImageSbomRepository, type NewSbom } from '../repositories/image-sbom.repository';
import { IMAGE_CHANGE_LISTENER, type ImageChangeListener } from './image-change.listener';
import { ImageMatchingService, storedPackage } from './image-matching.service';
import { RegistryImageReader } from './registry-image.reader';

export interface SbomSummary {
  sbomId: string;
  digest: string;
  source: SbomSource;
  /** true: shared by every org running the digest (derived from its layers). */
  shared: boolean;
  packageCount: number;
  vulnerabilityCount?: number;
}

export interface EnsureSbomOptions {
  /** Derive again even when an SBOM is stored (e.g. after a cataloger fix). */
  force?: boolean;
}

const summary = (s: ImageSbomEntity, vulnerabilityCount?: number): SbomSummary => ({
  sbomId: s.id,
  digest: s.digest,
  source: s.source,
  shared: s.orgId === null,
  packageCount: s.packageCount,
  ...(vulnerabilityCount !== undefined && { vulnerabilityCount }),
});

/**
 * The facade the worker's "sbom" job calls (and the API's upload and derive
 * endpoints). Idempotent: calling it again for a digest that has an SBOM is a
 * read. Errors: `OciError` (retryable when `retryable`), `CatalogError`
 * (the image's content is malformed or hostile: do not retry), `SbomError`
 * wrapped as a 400 for documents.
 */
@Injectable()
export class ImageSbomService {
  private readonly logger = new Logger('ImageSbomService');

  constructor(
    private readonly sboms: ImageSbomRepository,
    private readonly matching: ImageMatchingService,
    private readonly registry: RegistryImageReader,
    private readonly database: Database,
    private readonly audit: AuditService,
    @Optional() @Inject(IMAGE_CHANGE_LISTENER) private readonly changes?: ImageChangeListener,
  ) {}

  /**
   * Makes sure `digest` has an SBOM this org can use, in order of preference:
   * one already stored (the org's own, or the shared one), an SBOM attached to
   * the digest in its registry (stored for this org only: an attachment is not
   * content-derived), or the image's layers, cataloged (stored shared).
   * `ref` is a reference the org ran the digest under (its registry and
   * repository are where content is read from; tag and digest are ignored).
   */
  async ensureSbom(orgId: string, digest: string, ref: string, options: EnsureSbomOptions = {}): Promise<SbomSummary> {
    if (!options.force) {
      const [existing] = await this.sboms.forDigest(orgId, digest);
      if (existing) return summary(existing);
    }
    const { registry, repository } = parseImageReference(ref);
    const location = { registry, repository };
    const attached = await this.registry.attachedSbom(orgId, location, digest);
    if (attached) return this.storeDocument(orgId, digest, attached, 'attachment');
    const catalog = await this.registry.catalog(orgId, location, digest);
    return this.storeCatalog(digest, catalog);
  }

  /** Stores an SBOM document the org supplied (upload, attachment, or a predicate its verification accepted). */
  async storeDocument(orgId: string, digest: string, document: unknown, source: Exclude<SbomSource, 'catalog'>, caller?: Caller): Promise<SbomSummary> {
    const parsed: ParsedSbom = parseUploadedSbom(document);
    return this.store(
      { digest, orgId, source, format: parsed.format, specVersion: parsed.specVersion, documentName: parsed.name, skippedCount: parsed.skipped.length },
      parsed.packages,
      caller,
    );
  }

  /** Stores what the cataloger found in the image's layers, shared by every org. */
  storeCatalog(digest: string, catalog: ImageCatalog): Promise<SbomSummary> {
    return this.store({ digest, orgId: null, source: 'catalog', format: 'catalog', distro: catalog.distro?.ecosystem, skippedCount: 0 }, catalog.packages);
  }

  /** Matches first (the matcher reads platform tables), then stores, with the caller's audit entry in the same transaction. */
  private async store(sbom: NewSbom, packages: readonly SbomPackage[], caller?: Caller): Promise<SbomSummary> {
    const { revision, matches } = await this.matching.matchesFor(packages);
    const save = () => this.sboms.save(sbom, packages.map(storedPackage), matches, revision);
    const saved =
      caller && sbom.orgId
        ? await this.database.forOrg(sbom.orgId, async () => {
            const row = await save();
            await this.audit.record(caller, { action: 'image.sbom.upload', objectType: 'image', objectId: sbom.digest, details: { source: sbom.source, packages: packages.length } });
            return row;
          })
        : await save();
    this.logger.log(`stored ${sbom.source} SBOM of ${sbom.digest}: ${packages.length} packages, ${matches.length} matches`);
    await this.imageChanged(sbom.orgId, sbom.digest);
    return summary(saved, matches.length);
  }

  /**
   * New metadata for the digest: re-verify it where it runs (an org's own SBOM
   * speaks for that org only; a cataloged one for every org). After commit;
   * a failure here only delays work (the org's next verification sweep re-verifies it).
   */
  private async imageChanged(orgId: string | null, digest: string): Promise<void> {
    if (!this.changes) return;
    try {
      if (orgId) await this.changes.imagesChanged(orgId, [digest]);
      else await this.changes.imagesChangedEverywhere([digest]);
    } catch (error) {
      this.logger.warn({ err: error, orgId, digest }, 'could not trigger re-verification of an image with a new SBOM');
    }
  }
}
