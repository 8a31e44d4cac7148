import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { ClusterRepository } from '@vigil/clusters';
import { AUTHORIZER, Authorizer, Caller, orgOf } from '@vigil/shared/auth';
import { parsePageRequest, toPage } from '@vigil/shared/database';
import { ObservationEntity } from '../entities';
import { ContainerQuery, InventoryQueryRepository } from '../repositories/inventory-query.repository';

export interface ContainerQueryParams {
  clusterId?: string;
  namespace?: string;
  workload?: string;
  image?: string;
  running?: string;
  at?: string;
  limit?: string;
  cursor?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function containerView(o: ObservationEntity) {
  return {
    id: o.id,
    clusterId: o.clusterId,
    namespace: o.namespace,
    pod: o.podName,
    podUid: o.podUid,
    container: o.containerName,
    containerType: o.containerType,
    node: o.node,
    workload: { kind: o.workloadKind, name: o.workloadName },
    image: { ref: o.imageRef, digest: o.imageDigest },
    firstSeen: o.firstSeen.toISOString(),
    lastSeen: o.lastSeen.toISOString(),
    running: o.running,
  };
}

/** "What runs now, or ran at T" — limited to the clusters the caller may see. */
@Injectable()
export class InventoryQueryService {
  constructor(
    private readonly queries: InventoryQueryRepository,
    private readonly clusters: ClusterRepository,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
  ) {}

  async containers(caller: Caller, params: ContainerQueryParams) {
    const orgId = orgOf(caller);
    const page = parsePageRequest(params);
    const when = parseWhen(params);
    // Instants page by (first_seen, id) — a "<microseconds>.<id>" cursor; everything else by id.
    const cursorShape = when instanceof Date ? /^\d{1,19}\.\d{1,19}$/ : /^\d{1,19}$/;
    if (page.after && !cursorShape.test(page.after)) throw new BadRequestException('cursor: is not a cursor this API returned');
    const query: ContainerQuery = { clusterIds: await this.visibleClusters(caller), when: when instanceof Date ? 'all' : when, afterId: page.after, limit: page.limit };
    if (params.clusterId !== undefined) {
      if (!UUID.test(params.clusterId)) throw new BadRequestException('clusterId: must be a UUID');
      query.clusterIds = query.clusterIds === null || query.clusterIds.includes(params.clusterId) ? [params.clusterId] : [];
    }
    if (params.namespace !== undefined) query.namespace = bounded('namespace', params.namespace);
    if (params.workload !== undefined) {
      const [kind, name] = params.workload.includes('/') ? params.workload.split('/', 2) : [undefined, params.workload];
      query.workloadKind = kind ? bounded('workload', kind) : undefined;
      query.workloadName = bounded('workload', name);
    }
    if (params.image !== undefined) {
      const image = bounded('image', params.image);
      if (image.startsWith('sha256:')) {
        if (!DIGEST.test(image)) throw new BadRequestException('image: a digest must be sha256:<64 hex>');
        query.imageDigest = image;
      } else {
        query.imageRef = image;
      }
    }
    if (when instanceof Date) {
      const [firstSeenUs, id] = page.after ? page.after.split('.') : [];
      const rows = await this.queries.activeAt(orgId, when, { ...query, afterKey: page.after ? { firstSeenUs, id } : null });
      const result = toPage(rows, page.limit, (r) => r.key);
      return { items: result.items.map((r) => containerView(r.row)), nextCursor: result.nextCursor };
    }
    const rows = await this.queries.containers(orgId, query);
    const result = toPage(rows, page.limit, (r) => r.id);
    return { items: result.items.map(containerView), nextCursor: result.nextCursor };
  }

  private async visibleClusters(caller: Caller): Promise<string[] | null> {
    const roots = await this.authorizer.groupsWithRole(caller, 'viewer');
    if (roots === null) return null;
    const groups = await this.authorizer.groupsAtOrBelow(caller, roots);
    return this.clusters.idsInGroups(orgOf(caller), groups);
  }
}

function bounded(field: string, value: string): string {
  if (value.length === 0 || value.length > 512) throw new BadRequestException(`${field}: must be 1 to 512 characters`);
  return value;
}

function parseWhen(params: ContainerQueryParams): ContainerQuery['when'] | Date {
  if (params.at !== undefined) {
    const at = new Date(params.at);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(params.at) || Number.isNaN(at.getTime())) {
      throw new BadRequestException('at: must be an ISO 8601 date-time');
    }
    if (params.running !== undefined) throw new BadRequestException('running: cannot be combined with at');
    return at;
  }
  switch (params.running ?? 'true') {
    case 'true':
      return 'now';
    case 'false':
      return 'ended';
    case 'all':
      return 'all';
    default:
      throw new BadRequestException('running: must be true, false or all');
  }
}
