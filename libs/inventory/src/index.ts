export { InventoryModule } from './inventory.module';
export { inventoryEntities } from './entities';
export { InventoryQueryRepository } from './repositories/inventory-query.repository';
export { foldBatch } from './services/batch-folding';
