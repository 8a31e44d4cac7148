import { BadRequestException, Injectable } from '@nestjs/common';
import { type AdvisoryMatch, type PackageQuery, parseSbom, parseSbomDocument, type ParsedSbom, SbomError, type SbomPackage } from '@vigil/supply-chain';
import { AdvisoryIndexService } from './advisory-index.service';

export interface VulnerabilityView {
  id: string;
  aliases: string[];
  severity: string;
  cvss?: { score?: number; vector?: string };
  summary?: string;
  package: { name: string; version: string; purl?: string; ecosystem: string };
  fixedVersion: string | null;
}

/** A package of an SBOM as the matcher asks for it. */
export function packageQuery(pkg: SbomPackage): PackageQuery {
  return {
    name: pkg.name,
    version: pkg.version,
    ecosystem: pkg.ecosystem,
    purl: pkg.purl,
    ...(pkg.sourceName !== undefined && { sourceName: pkg.sourceName }),
  };
}

export function vulnerabilityView(m: AdvisoryMatch): VulnerabilityView {
  const { level, score, vector } = m.severity;
  return {
    id: m.id,
    aliases: [...new Set([...m.aliases, ...m.upstream])].filter((a) => a !== m.id).sort(),
    severity: level,
    ...((score !== undefined || vector !== undefined) && { cvss: { ...(score !== undefined && { score }), ...(vector !== undefined && { vector }) } }),
    ...(m.summary !== undefined && { summary: m.summary }),
    package: m.package,
    fixedVersion: m.fixedVersion ?? null,
  };
}

/** Parses an uploaded SBOM (raw bytes or an already-parsed JSON body); any fault is a 400 naming it. */
export function parseUploadedSbom(body: unknown): ParsedSbom {
  try {
    if (Buffer.isBuffer(body)) {
      if (body.length === 0) throw new SbomError('invalid-document', 'request body is empty: send SPDX or CycloneDX JSON');
      return parseSbom(body);
    }
    if (body === undefined || body === null) throw new SbomError('invalid-document', 'request body is empty: send SPDX or CycloneDX JSON');
    return parseSbomDocument(body);
  } catch (err) {
    if (err instanceof SbomError) throw new BadRequestException(`SBOM refused: ${err.message}`);
    throw err;
  }
}

/** `POST /v1/sboms/scan`: an SBOM matched against the imported advisories; nothing is stored. */
@Injectable()
export class SbomScanService {
  constructor(private readonly index: AdvisoryIndexService) {}

  async scan(body: unknown) {
    const sbom = parseUploadedSbom(body);
    const index = await this.index.current();
    const matches = index.matchAll(sbom.packages.map(packageQuery));
    return {
      format: sbom.format,
      specVersion: sbom.specVersion,
      packages: sbom.packages.length,
      skipped: sbom.skipped.length,
      vulnerabilities: matches.map(vulnerabilityView),
    };
  }

  /** Matches already-normalised packages (the images context stores their results). */
  async match(packages: readonly SbomPackage[]): Promise<{ revision: string; matches: { ordinal: number; match: AdvisoryMatch }[] }> {
    const index = await this.index.current();
    const revision = this.index.currentRevision;
    const matches = packages.flatMap((pkg, ordinal) => index.match(packageQuery(pkg)).map((match) => ({ ordinal, match })));
    return { revision, matches };
  }
}
