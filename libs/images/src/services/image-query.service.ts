import { BadRequestException, Injectable, NotAcceptableException, NotFoundException } from '@nestjs/common';
import { Caller, orgOf } from '@vigil/shared/auth';
import { parsePageRequest } from '@vigil/shared/database';
import {
  comparatorFor,
  negotiateSbomFormat,
  normalisePackageName,
  parseEcosystem,
  SBOM_MEDIA_TYPES,
  type SbomFormat,
  toCycloneDxJson,
  toSpdxJson,
} from '@vigil/supply-chain';
import type { ImageSbomEntity, ImageVulnerabilityEntity } from '../entities';
import { ExposureRepository } from '../repositories/exposure.repository';
import { ImageSbomRepository } from '../repositories/image-sbom.repository';
import { sbomPackage } from './image-matching.service';
import { parseVersionRange, satisfies, VersionRangeError } from './version-range';
import { VisibleClusters } from './visible-clusters.service';

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_SEARCH_CANDIDATES = 50_000;

export function digestParam(digest: string): string {
  if (!DIGEST.test(digest)) throw new BadRequestException('digest: must be sha256:<64 lowercase hex>');
  return digest;
}

function vulnerabilityView(v: ImageVulnerabilityEntity) {
  return {
    id: v.advisoryId,
    aliases: v.aliases,
    severity: v.severityLevel,
    ...((v.severity.score !== undefined || v.severity.vector !== undefined) && {
      cvss: { ...(v.severity.score !== undefined && { score: v.severity.score }), ...(v.severity.vector !== undefined && { vector: v.severity.vector }) },
    }),
    ...(v.summary ? { summary: v.summary } : {}),
    package: { name: v.packageName, version: v.packageVersion, purl: v.packagePurl, ecosystem: v.packageEcosystem },
    fixedVersion: v.fixedVersion,
  };
}

function sbomView(s: ImageSbomEntity) {
  return {
    source: s.source,
    shared: s.orgId === null,
    format: s.format,
    specVersion: s.specVersion,
    distro: s.distro,
    packageCount: s.packageCount,
    skippedCount: s.skippedCount,
    updatedAt: s.updatedAt.toISOString(),
  };
}

/** Reads of images an org has observed: the image view, its SBOM document, and package search. */
@Injectable()
export class ImageQueryService {
  constructor(
    private readonly sboms: ImageSbomRepository,
    private readonly inventory: ExposureRepository,
    private readonly visibleClusters: VisibleClusters,
  ) {}

  /** 404 unless the org has observed the digest: an image's existence is itself tenant data. */
  async assertObserved(caller: Caller, digest: string): Promise<string> {
    const orgId = orgOf(caller);
    if (!(await this.inventory.isObserved(orgId, digestParam(digest)))) throw new NotFoundException(`image ${digest} not found`);
    return orgId;
  }

  async get(caller: Caller, digest: string) {
    const orgId = await this.assertObserved(caller, digest);
    const [references, sboms] = await Promise.all([this.inventory.references(orgId, digest), this.sboms.forDigest(orgId, digest)]);
    const stored = await this.sboms.vulnerabilities(orgId, sboms.map((s) => s.id));
    // The org's own SBOM and the shared one may both report a match: one entry per advisory and package.
    const seen = new Set<string>();
    const vulnerabilities = stored.filter((v) => {
      const key = `${v.advisoryId}\u0000${v.packagePurl}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return {
      digest,
      references: references.map((r) => ({ ref: r.ref, firstSeen: new Date(r.first_seen).toISOString(), lastSeen: new Date(r.last_seen).toISOString() })),
      sbom: sboms[0] ? sbomView(sboms[0]) : null,
      sboms: sboms.map(sbomView),
      vulnerabilities: vulnerabilities.map(vulnerabilityView),
    };
  }

  /** The preferred SBOM (the org's own, else the shared one) as SPDX or CycloneDX JSON, by `Accept`. */
  async sbomDocument(caller: Caller, digest: string, accept: string | undefined): Promise<{ mediaType: string; document: unknown }> {
    const format: SbomFormat | undefined = negotiateSbomFormat(accept);
    if (!format) throw new NotAcceptableException(`the SBOM is available as ${SBOM_MEDIA_TYPES.spdx} or ${SBOM_MEDIA_TYPES.cyclonedx}`);
    const orgId = await this.assertObserved(caller, digest);
    const [sbom] = await this.sboms.forDigest(orgId, digest);
    if (!sbom) throw new NotFoundException(`image ${digest} has no SBOM yet`);
    const packages = (await this.sboms.packages(orgId, sbom.id)).map(sbomPackage);
    const options = { name: digest, subject: { name: digest, purl: `pkg:oci/image@${encodeURIComponent(digest)}` }, created: sbom.updatedAt };
    const document = format === 'spdx' ? toSpdxJson(packages, options) : toCycloneDxJson(packages, options);
    return { mediaType: SBOM_MEDIA_TYPES[format], document };
  }

  /**
   * Which images this org has run (running now by default) contain package
   * `name` of `ecosystem`, optionally within a version range.
   */
  async searchPackages(caller: Caller, params: { name?: string; ecosystem?: string; version?: string; running?: string; limit?: string; cursor?: string }) {
    const orgId = orgOf(caller);
    const name = bounded('name', params.name);
    const ecosystem = bounded('ecosystem', params.ecosystem);
    const { family, release } = parseEcosystem(ecosystem);
    const page = parsePageRequest(params);
    const running = params.running ?? 'true';
    if (!['true', 'all'].includes(running)) throw new BadRequestException('running: must be true or all');
    let range;
    try {
      range = params.version !== undefined ? parseVersionRange(bounded('version', params.version)) : undefined;
    } catch (err) {
      if (err instanceof VersionRangeError) throw new BadRequestException(err.message);
      throw err;
    }
    const cmp = comparatorFor(ecosystem);
    if (range && !cmp) throw new BadRequestException(`version: ranges need a known version ordering; ${family} has none in Vigil`);

    const candidates = await this.inventory.packagesNamed(orgId, family, normalisePackageName(ecosystem, name), MAX_SEARCH_CANDIDATES + 1);
    if (candidates.length > MAX_SEARCH_CANDIDATES) throw new BadRequestException('the search matches too many packages; narrow it with version');
    const hits = candidates.filter((p) => {
      if (release !== undefined && parseEcosystem(p.ecosystem).release !== release) return false;
      if (!range || !cmp) return true;
      return cmp.isValid(p.version) && satisfies(p.version, range, cmp);
    });
    const usage = new Map((await this.inventory.usage(orgId, [...new Set(hits.map((h) => h.digest))], await this.visibleClusters.of(caller))).map((u) => [u.digest, u]));
    const items = hits
      .filter((h) => usage.has(h.digest) && (running === 'all' || usage.get(h.digest)!.running))
      .map((h) => {
        const u = usage.get(h.digest)!;
        return {
          image: { digest: h.digest, refs: u.refs.sort() },
          package: { name: h.name, version: h.version, purl: h.purl, ecosystem: h.ecosystem },
          running: u.running,
          firstSeen: new Date(u.first_seen).toISOString(),
          lastSeen: new Date(u.last_seen).toISOString(),
          clusterIds: u.cluster_ids.sort(),
        };
      });
    // The cursor is (digest, purl), compared as JS strings (the database's collation may order differently).
    const key = (i: (typeof items)[number]) => `${i.image.digest} ${i.package.purl}`;
    items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const after = page.after;
    const rest = after ? items.filter((i) => key(i) > after) : items;
    const slice = rest.slice(0, page.limit);
    const nextCursor = rest.length > page.limit ? Buffer.from(key(slice[slice.length - 1]), 'utf8').toString('base64url') : null;
    return { items: slice, nextCursor };
  }
}

function bounded(field: string, value: string | undefined): string {
  if (value === undefined || value.length === 0 || value.length > 512) throw new BadRequestException(`${field}: required, 1 to 512 characters`);
  return value;
}
