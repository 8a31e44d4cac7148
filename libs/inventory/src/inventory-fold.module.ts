import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { QUEUE_NAMES } from '@vigil/shared/queue';
import { InventoryFoldRepository } from './repositories/inventory-fold.repository';
import { InventoryFoldService } from './services/inventory-fold.service';

const queues = BullModule.registerQueue({ name: QUEUE_NAMES.inventoryFold });

/** The exposure rollup's fold, without endpoints: the API enqueues after ingest, the worker folds and sweeps. */
@Global()
@Module({
  imports: [queues],
  providers: [InventoryFoldRepository, InventoryFoldService],
  exports: [InventoryFoldService, queues],
})
export class InventoryFoldModule {}
