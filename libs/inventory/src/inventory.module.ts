import { Global, Injectable, Module } from '@nestjs/common';
import { CLUSTER_USAGE, ClusterUsage, ClusterUsageProvider } from '@vigil/clusters';
import { InventoryController } from './controllers/inventory.controller';
import { InventoryFoldModule } from './inventory-fold.module';
import { InventoryIngestRepository } from './repositories/inventory-ingest.repository';
import { InventoryQueryRepository } from './repositories/inventory-query.repository';
import { InventoryIngestService } from './services/inventory-ingest.service';
import { InventoryQueryService } from './services/inventory-query.service';

@Injectable()
class InventoryClusterUsage implements ClusterUsageProvider {
  constructor(private readonly queries: InventoryQueryRepository) {}
  usage(orgId: string, clusterId: string): Promise<ClusterUsage> {
    return this.queries.usage(orgId, clusterId);
  }
}

/** The historical inventory: agent ingest and "where and when" queries. */
@Global()
@Module({
  imports: [InventoryFoldModule],
  controllers: [InventoryController],
  providers: [
    InventoryIngestRepository,
    InventoryQueryRepository,
    InventoryIngestService,
    InventoryQueryService,
    { provide: CLUSTER_USAGE, useClass: InventoryClusterUsage },
  ],
  exports: [CLUSTER_USAGE, InventoryQueryRepository],
})
export class InventoryModule {}
