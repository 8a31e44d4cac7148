export { InventoryModule } from './inventory.module';
export { InventoryFoldModule } from './inventory-fold.module';
export { InventoryFoldService, FOLD_SWEEP_GRACE_SECONDS, type FoldReport } from './services/inventory-fold.service';
export { inventoryEntities } from './entities';
export { InventoryQueryRepository } from './repositories/inventory-query.repository';
export { foldBatch } from './services/batch-folding';
export { INVENTORY_CHANGE_LISTENER, type InventoryChange, type InventoryChangeListener } from './services/inventory-change.listener';
