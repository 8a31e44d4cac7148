import { IamSpine1795809000000 } from './1795809000000-IamSpine';
import { ClustersAndInventory1795812000000 } from './1795812000000-ClustersAndInventory';

/** Every migration in order; data sources list them explicitly (no globbing at run time). */
export const allMigrations = [IamSpine1795809000000, ClustersAndInventory1795812000000];
