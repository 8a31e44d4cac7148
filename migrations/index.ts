import { IamSpine1795809000000 } from './1795809000000-IamSpine';
import { ClustersAndInventory1795812000000 } from './1795812000000-ClustersAndInventory';
import { PoliciesAndAdmission1795815000000 } from './1795815000000-PoliciesAndAdmission';
import { SupplyChain1795816000000 } from './1795816000000-SupplyChain';
import { EventsAndSubscriptions1795817000000 } from './1795817000000-EventsAndSubscriptions';
import { ContinuousVerification1795818000000 } from './1795818000000-ContinuousVerification';
import { RegistryCredentials1795819000000 } from './1795819000000-RegistryCredentials';
import { InventoryQueryPaths1795820000000 } from './1795820000000-InventoryQueryPaths';
import { DropRedundantObservationIndexes1795821000000 } from './1795821000000-DropRedundantObservationIndexes';
import { InventoryAtKeyset1795822000000 } from './1795822000000-InventoryAtKeyset';
import { AgentNonceFunction1795823000000 } from './1795823000000-AgentNonceFunction';
import { AdvisoryMatchBacklog1795824000000 } from './1795824000000-AdvisoryMatchBacklog';
import { AdvisoryFeeds1795825000000 } from './1795825000000-AdvisoryFeeds';
import { CacheInvalidationNotifications1795830000000 } from './1795830000000-CacheInvalidationNotifications';
import { WorkloadImageRuns1795831000000 } from './1795831000000-WorkloadImageRuns';
import { WorkloadImages1795832000000 } from './1795832000000-WorkloadImages';
import { AgentCommandClaims1795840000000 } from './1795840000000-AgentCommandClaims';
import { GroupDeletionRehomesDeleted1795841000000 } from './1795841000000-GroupDeletionRehomesDeleted';
import { InventoryLeaderTerms1795850000000 } from './1795850000000-InventoryLeaderTerms';
import { WorkloadImageRunsMerge1795851000000 } from './1795851000000-WorkloadImageRunsMerge';
import { AdmissionDecisionCommit1795860000000 } from './1795860000000-AdmissionDecisionCommit';
import { InventoryFoldBacklog1795862000000 } from './1795862000000-InventoryFoldBacklog';

/** Every migration in order; data sources list them explicitly (no globbing at run time). */
export const allMigrations = [
  IamSpine1795809000000,
  ClustersAndInventory1795812000000,
  PoliciesAndAdmission1795815000000,
  SupplyChain1795816000000,
  EventsAndSubscriptions1795817000000,
  ContinuousVerification1795818000000,
  RegistryCredentials1795819000000,
  InventoryQueryPaths1795820000000,
  DropRedundantObservationIndexes1795821000000,
  InventoryAtKeyset1795822000000,
  AgentNonceFunction1795823000000,
  AdvisoryMatchBacklog1795824000000,
  AdvisoryFeeds1795825000000,
  CacheInvalidationNotifications1795830000000,
  WorkloadImageRuns1795831000000,
  WorkloadImages1795832000000,
  AgentCommandClaims1795840000000,
  GroupDeletionRehomesDeleted1795841000000,
  InventoryLeaderTerms1795850000000,
  WorkloadImageRunsMerge1795851000000,
  AdmissionDecisionCommit1795860000000,
  InventoryFoldBacklog1795862000000,
];
