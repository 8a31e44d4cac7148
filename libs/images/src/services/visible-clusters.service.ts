import { Inject, Injectable } from '@nestjs/common';
import { ClusterRepository } from '@vigil/clusters';
import { AUTHORIZER, Authorizer, Caller, orgOf } from '@vigil/shared/auth';

/** The clusters whose inventory a caller may read (null: all of the org's), as the inventory queries do. */
@Injectable()
export class VisibleClusters {
  constructor(
    private readonly clusters: ClusterRepository,
    @Inject(AUTHORIZER) private readonly authorizer: Authorizer,
  ) {}

  async of(caller: Caller): Promise<string[] | null> {
    const roots = await this.authorizer.groupsWithRole(caller, 'viewer');
    if (roots === null) return null;
    const groups = await this.authorizer.groupsAtOrBelow(caller, roots);
    return this.clusters.idsInGroups(orgOf(caller), groups);
  }
}
