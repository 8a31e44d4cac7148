/** What one applied inventory batch changed, for contexts that react to running images. */
export interface InventoryChange {
  readonly orgId: string;
  readonly clusterId: string;
  /** Digests the batch reported running. */
  readonly runningDigests: readonly string[];
  /** True when something may have stopped running (pods deleted, unlisted or closed by a snapshot). */
  readonly mayHaveStopped: boolean;
}

/**
 * Called after the batch has committed (never inside it: ingest stays fast and
 * a listener failure cannot fail the agent's request); whatever it misses, the
 * continuous-verification sweep finds in the observations.
 */
export interface InventoryChangeListener {
  inventoryChanged(change: InventoryChange): Promise<void>;
}

export const INVENTORY_CHANGE_LISTENER = Symbol('INVENTORY_CHANGE_LISTENER');
