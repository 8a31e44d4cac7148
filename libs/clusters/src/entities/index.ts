import { AgentCommandEntity } from './agent-command.entity';
import { ClusterCredentialEntity } from './cluster-credential.entity';
import { ClusterEntity } from './cluster.entity';
import { RegistrationTokenEntity } from './registration-token.entity';

export { AgentCommandEntity, ClusterCredentialEntity, ClusterEntity, RegistrationTokenEntity };
export type { ClusterHealth, NoMatchBehaviour } from './cluster.entity';

export const clusterEntities = [ClusterEntity, ClusterCredentialEntity, RegistrationTokenEntity, AgentCommandEntity];
