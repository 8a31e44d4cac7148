import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { type AdvisoryChangeHandler, SbomScanService } from '@vigil/advisories';
import { normalisePackageName, parseEcosystem, type SbomPackage } from '@vigil/supply-chain';
import type { ImagePackageEntity, ImageSbomEntity } from '../entities';
import { ImageSbomRepository, matchKey, type NewMatch, type NewPackage } from '../repositories/image-sbom.repository';
import { IMAGE_CHANGE_LISTENER, type ImageChangeListener } from './image-change.listener';

/** A normalised SBOM package as stored (its ordinal is its position in the SBOM). */
export function storedPackage(pkg: SbomPackage, ordinal: number): NewPackage {
  return {
    ordinal,
    name: pkg.name,
    version: pkg.version,
    purl: pkg.purl,
    type: pkg.type,
    ecosystem: pkg.ecosystem,
    ecosystemFamily: pkg.ecosystem ? parseEcosystem(pkg.ecosystem).family : '',
    lookupName: pkg.ecosystem ? normalisePackageName(pkg.ecosystem, pkg.name) : pkg.name,
    sourceName: pkg.sourceName ?? null,
    sourceVersion: pkg.sourceVersion ?? null,
    licenses: pkg.licenses ?? [],
  };
}

export function sbomPackage(row: ImagePackageEntity): SbomPackage {
  return {
    name: row.name,
    version: row.version,
    purl: row.purl,
    ecosystem: row.ecosystem,
    type: row.type,
    ...(row.sourceName !== null && { sourceName: row.sourceName }),
    ...(row.sourceVersion !== null && { sourceVersion: row.sourceVersion }),
    ...(row.licenses.length > 0 && { licenses: row.licenses }),
  };
}

/**
 * Computes and stores vulnerability matches of image SBOMs: when an SBOM is
 * stored, and when advisories change (the advisories context calls
 * `advisoriesChanged` after an import commits).
 */
@Injectable()
export class ImageMatchingService implements AdvisoryChangeHandler {
  private readonly logger = new Logger('ImageMatchingService');

  constructor(
    private readonly sboms: ImageSbomRepository,
    private readonly matcher: SbomScanService,
    @Optional() @Inject(IMAGE_CHANGE_LISTENER) private readonly changes?: ImageChangeListener,
  ) {}

  async matchesFor(packages: readonly SbomPackage[]): Promise<{ revision: string; matches: NewMatch[] }> {
    const { revision, matches } = await this.matcher.match(packages);
    return {
      revision,
      matches: matches.map(({ ordinal, match }) => ({
        packageOrdinal: ordinal,
        advisoryId: match.id,
        ids: [...new Set([match.id, ...match.aliases, ...match.upstream])],
        aliases: [...new Set([...match.aliases, ...match.upstream])].filter((a) => a !== match.id).sort(),
        severityLevel: match.severity.level,
        severity: match.severity,
        fixedVersion: match.fixedVersion ?? null,
        summary: match.summary ?? null,
        packageName: packages[ordinal].name,
        packageVersion: packages[ordinal].version,
        packagePurl: packages[ordinal].purl,
        packageEcosystem: match.package.ecosystem,
      })),
    };
  }

  /** Re-matches one stored SBOM against the current advisories; `changed`: what a policy sees of its matches differs. */
  async rematch(sbom: Pick<ImageSbomEntity, 'id' | 'orgId' | 'digest'>): Promise<{ matches: number; changed: boolean }> {
    const packages = (await this.sboms.packages(sbom.orgId, sbom.id)).map(sbomPackage);
    const before = await this.sboms.matchKeys(sbom);
    const { revision, matches } = await this.matchesFor(packages);
    await this.sboms.replaceMatches(sbom, matches, revision);
    return { matches: matches.length, changed: !sameKeys(before, matches.map(matchKey)) };
  }

  /**
   * Re-matches every SBOM a set of changed advisories can affect (same package
   * key, or matched before), then — each re-match having committed — asks for
   * re-verification of exactly the digests whose matches changed, where they run.
   */
  async advisoriesChanged(ids: readonly string[]): Promise<{ rematchedSboms: number }> {
    let rematched = 0;
    const shared = new Set<string>();
    const owned = new Map<string, Set<string>>();
    for (let i = 0; i < ids.length; i += 1000) {
      const targets = await this.sboms.affectedBy(ids.slice(i, i + 1000));
      for (const target of targets) {
        const sbom = await this.sboms.findById(target.orgId, target.sbomId);
        if (!sbom) continue; // replaced meanwhile: its successor was matched when stored
        const { changed } = await this.rematch(sbom);
        rematched += 1;
        if (!changed) continue;
        if (sbom.orgId === null) shared.add(sbom.digest);
        else owned.set(sbom.orgId, (owned.get(sbom.orgId) ?? new Set()).add(sbom.digest));
      }
    }
    if (rematched) this.logger.log(`re-matched ${rematched} image SBOMs after ${ids.length} advisories changed; matches changed for ${shared.size + [...owned.values()].reduce((n, s) => n + s.size, 0)} digests`);
    await this.reverify(shared, owned);
    return { rematchedSboms: rematched };
  }

  /** A failure only delays re-verification: each org's periodic sweep re-verifies everything it runs. */
  private async reverify(shared: Set<string>, owned: Map<string, Set<string>>): Promise<void> {
    if (!this.changes) return;
    const changes = this.changes;
    const attempt = async (work: () => Promise<unknown>, what: Record<string, unknown>) => {
      try {
        await work();
      } catch (error) {
        this.logger.warn({ err: error, ...what }, 'could not trigger re-verification after advisories changed');
      }
    };
    const digests = [...shared].sort();
    for (let i = 0; i < digests.length; i += 1000) await attempt(() => changes.imagesChangedEverywhere(digests.slice(i, i + 1000)), { digests: digests.length });
    for (const [orgId, set] of owned) await attempt(() => changes.imagesChanged(orgId, [...set].sort()), { orgId });
  }
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sorted = [...b].sort();
  return [...a].sort().every((k, i) => k === sorted[i]);
}
