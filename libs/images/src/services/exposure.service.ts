import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { AdvisoryQueryService, advisoryIdParam } from '@vigil/advisories';
import { Caller, orgOf } from '@vigil/shared/auth';
import { parsePageRequest } from '@vigil/shared/database';
import { EXPOSURE_KEY_COLUMNS, ExposureRepository, type ExposureRow } from '../repositories/exposure.repository';
import { VisibleClusters } from './visible-clusters.service';

export interface ExposureParams {
  from?: string;
  to?: string;
  clusterId?: string;
  limit?: string;
  cursor?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const iso = (v: Date | string) => new Date(v).toISOString();
const keyOf = (r: ExposureRow): string[] => [
  r.cluster_id, r.namespace, r.workload_kind ?? '', r.workload_name ?? '', r.image_digest, r.image_ref, r.package_name, r.package_version,
];

/**
 * `GET /v1/advisories/:id/exposure`: every cluster, namespace, workload and
 * image of the caller's org (in clusters it may see) that ran an image with a
 * package the advisory affects, with when. By id or by any alias.
 */
@Injectable()
export class ExposureService {
  constructor(
    private readonly advisories: AdvisoryQueryService,
    private readonly repository: ExposureRepository,
    private readonly visibleClusters: VisibleClusters,
  ) {}

  async exposure(caller: Caller, id: string, params: ExposureParams) {
    const orgId = orgOf(caller);
    const advisory = await this.advisories.resolve(advisoryIdParam(id));
    if (!advisory) throw new NotFoundException(`advisory ${id} not found`);
    const from = instant('from', params.from);
    const to = instant('to', params.to);
    if (from && to && from >= to) throw new BadRequestException('from: must be before to');
    const page = parsePageRequest(params);
    let after: string[] | null = null;
    if (page.after) {
      try {
        after = JSON.parse(page.after) as string[];
      } catch {
        after = null;
      }
      if (!Array.isArray(after) || after.length !== EXPOSURE_KEY_COLUMNS || !after.every((x) => typeof x === 'string')) {
        throw new BadRequestException('cursor: is not a cursor this API returned');
      }
    }
    let clusterIds = await this.visibleClusters.of(caller);
    if (params.clusterId !== undefined) {
      if (!UUID.test(params.clusterId)) throw new BadRequestException('clusterId: must be a UUID');
      clusterIds = clusterIds === null || clusterIds.includes(params.clusterId) ? [params.clusterId] : [];
    }
    const rows = advisory.withdrawn ? [] : await this.repository.exposure(orgId, { ids: advisory.ids, from, to, clusterIds, after, limit: page.limit });
    const items = rows.slice(0, page.limit);
    const nextCursor = rows.length > page.limit ? Buffer.from(JSON.stringify(keyOf(items[items.length - 1])), 'utf8').toString('base64url') : null;
    return {
      advisory: { id: advisory.id, aliases: advisory.aliases, severity: advisory.severity.level, ...(advisory.withdrawn && { withdrawn: true }) },
      items: items.map((r) => ({
        clusterId: r.cluster_id,
        namespace: r.namespace,
        workload: { kind: r.workload_kind, name: r.workload_name },
        image: { ref: r.image_ref, digest: r.image_digest },
        package: { name: r.package_name, version: r.package_version, ecosystem: r.package_ecosystem },
        firstSeen: iso(r.first_seen),
        lastSeen: iso(r.last_seen),
        running: r.running,
      })),
      nextCursor,
    };
  }
}

function instant(field: string, value: string | undefined): Date | null {
  if (value === undefined || value === '') return null;
  const d = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}(T|$)/.test(value) || Number.isNaN(d.getTime())) throw new BadRequestException(`${field}: must be an ISO 8601 date-time`);
  return d;
}
