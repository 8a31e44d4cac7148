import { Injectable } from '@nestjs/common';
import type { ImageSupplyChainFacts, SbomPackageFact, SupplyChainFacts, SupplyChainNeeds, VulnerabilityFact } from '@vigil/policy-engine';
import type { ImageVulnerabilityEntity } from '../entities';
import { ImageSbomRepository } from '../repositories/image-sbom.repository';
import { SbomJobsService } from './sbom-jobs.service';

const EVERYTHING: SupplyChainNeeds = { vulnerabilities: true, packages: true };

export function vulnerabilityFact(v: ImageVulnerabilityEntity): VulnerabilityFact {
  return {
    id: v.advisoryId,
    aliases: v.aliases,
    severity: v.severityLevel,
    ...(v.fixedVersion ? { fixedVersion: v.fixedVersion } : {}),
    package: { name: v.packageName, version: v.packageVersion, purl: v.packagePurl },
  };
}

/**
 * `IMAGE_SUPPLY_CHAIN_FACTS` for admission and continuous verification: what
 * is stored, read in three queries for any number of digests. A digest without
 * an SBOM the org can use has no entry ("not scanned yet"); with one, its
 * packages are the preferred SBOM's (the org's own, else the shared one) and
 * its vulnerabilities the union of both SBOMs' matches, as `GET /v1/images/:digest` shows them.
 */
@Injectable()
export class ImageSupplyChainFactsService implements ImageSupplyChainFacts {
  constructor(
    private readonly sboms: ImageSbomRepository,
    private readonly jobs: SbomJobsService,
  ) {}

  async factsFor(orgId: string, digests: readonly string[], needs: SupplyChainNeeds = EVERYTHING): Promise<ReadonlyMap<string, SupplyChainFacts>> {
    const facts = new Map<string, SupplyChainFacts>();
    const usable = await this.sboms.usableFor(orgId, [...new Set(digests)]);
    if (usable.length === 0) return facts;
    const preferred = new Map<string, string>();
    for (const s of usable) if (!preferred.has(s.digest)) preferred.set(s.digest, s.id);

    const packages = new Map<string, SbomPackageFact[]>();
    if (needs.packages) {
      for (const p of await this.sboms.packageFacts(orgId, [...preferred.values()])) {
        const list = packages.get(p.sbomId) ?? [];
        list.push({ name: p.name, version: p.version, purl: p.purl });
        packages.set(p.sbomId, list);
      }
    }
    const vulnerabilities = new Map<string, VulnerabilityFact[]>();
    if (needs.vulnerabilities) {
      const seen = new Set<string>();
      for (const v of await this.sboms.vulnerabilities(orgId, usable.map((s) => s.id))) {
        // The org's own SBOM and the shared one may both report a match: one per advisory and package.
        const key = `${v.digest}\u0000${v.advisoryId}\u0000${v.packagePurl}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const list = vulnerabilities.get(v.digest) ?? [];
        list.push(vulnerabilityFact(v));
        vulnerabilities.set(v.digest, list);
      }
    }
    for (const [digest, sbomId] of preferred) {
      facts.set(digest, {
        ...(needs.packages ? { sbom: { packages: packages.get(sbomId) ?? [] } } : {}),
        ...(needs.vulnerabilities ? { vulnerabilities: vulnerabilities.get(digest) ?? [] } : {}),
      });
    }
    return facts;
  }

  requestSboms(orgId: string, images: readonly { digest: string; ref: string }[]): Promise<void> {
    return this.jobs.request(orgId, images).then(() => undefined);
  }
}
