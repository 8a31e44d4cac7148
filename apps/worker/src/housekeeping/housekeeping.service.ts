import { Injectable, Logger } from '@nestjs/common';
import { AgentCredentialRepository, ClusterLifecycleEvents, ClusterRepository } from '@vigil/clusters';
import { EVENT_TYPES } from '@vigil/events';
import { InventoryQueryRepository } from '@vigil/inventory';
import { Database } from '@vigil/shared/database';

export interface HousekeepingReport {
  orgs: number;
  markedUnhealthy: string[];
  observationsDeleted: number;
}

/** Most retention work a tick may do per org, so one org with a backlog cannot starve the rest. */
const MAX_RETENTION_CHUNKS_PER_ORG = 20;

/** Periodic upkeep across orgs: cluster health, replay-guard nonces, inventory retention. */
@Injectable()
export class HousekeepingService {
  private readonly logger = new Logger('HousekeepingService');

  constructor(
    private readonly clusters: ClusterRepository,
    private readonly credentials: AgentCredentialRepository,
    private readonly inventory: InventoryQueryRepository,
    private readonly lifecycle: ClusterLifecycleEvents,
    private readonly database: Database,
  ) {}

  async tick(now = new Date()): Promise<HousekeepingReport> {
    const report: HousekeepingReport = { orgs: 0, markedUnhealthy: [], observationsDeleted: 0 };
    for (const org of await this.clusters.orgsWithClusters()) {
      report.orgs += 1;
      try {
        // The health change and its event commit together: exactly one event per transition.
        const silent = await this.database.forOrg(org.orgId, async () => {
          const changed = await this.clusters.markSilentUnhealthy(org.orgId);
          for (const c of changed) {
            await this.lifecycle.emit(c, EVENT_TYPES.clusterUnhealthy);
          }
          return changed;
        });
        report.markedUnhealthy.push(...silent.map((c) => c.id));
        for (const c of silent) this.logger.warn({ orgId: org.orgId, clusterId: c.id }, `cluster ${c.name} has stopped sending heartbeats`);
        await this.credentials.pruneNonces(org.orgId);
        if (org.inventoryRetentionDays) {
          const cutoff = new Date(now.getTime() - org.inventoryRetentionDays * 86_400_000);
          for (let i = 0; i < MAX_RETENTION_CHUNKS_PER_ORG; i++) {
            const deleted = await this.inventory.deleteEndedBefore(org.orgId, cutoff);
            report.observationsDeleted += deleted;
            if (deleted === 0) break;
          }
        }
      } catch (error) {
        // One org's failure must not stop the others; the next tick retries it.
        this.logger.error({ err: error, orgId: org.orgId }, 'housekeeping failed for an org');
      }
    }
    return report;
  }
}
