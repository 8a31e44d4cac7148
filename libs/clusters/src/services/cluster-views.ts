import { ClusterEntity } from '../entities';
import { ClusterUsage } from '../cluster-usage';

export function clusterView(c: ClusterEntity, usage?: ClusterUsage) {
  return {
    id: c.id,
    groupId: c.groupId,
    name: c.name,
    noMatch: c.noMatch,
    health: c.health,
    unhealthyAfterSeconds: c.unhealthyAfterSeconds,
    lastHeartbeatAt: c.lastHeartbeatAt?.toISOString() ?? null,
    agentVersion: c.agentVersion,
    kubernetesVersion: c.kubernetesVersion,
    nodeCount: c.nodeCount,
    createdAt: c.createdAt.toISOString(),
    ...(usage ? { usage } : {}),
  };
}
