import { Injectable } from '@nestjs/common';
import { clusterSource, EventPublisher } from '@vigil/events';
import { ClusterEntity } from '../entities';

export type ClusterLifecycleType = 'dev.vigil.cluster.registered.v1' | 'dev.vigil.cluster.unhealthy.v1' | 'dev.vigil.cluster.recovered.v1';

/** `dev.vigil.cluster.*` events, emitted in the caller's transaction (the one that changed the cluster). */
@Injectable()
export class ClusterLifecycleEvents {
  constructor(private readonly publisher: EventPublisher) {}

  async emit(cluster: ClusterEntity, type: ClusterLifecycleType, data: Record<string, unknown> = {}): Promise<void> {
    await this.publisher.publish(cluster.orgId, {
      type,
      groupId: cluster.groupId,
      source: clusterSource(cluster.orgId, cluster.id),
      subject: cluster.id,
      data: {
        clusterId: cluster.id,
        name: cluster.name,
        agentVersion: cluster.agentVersion,
        lastHeartbeat: cluster.lastHeartbeatAt?.toISOString() ?? null,
        ...data,
      },
    });
  }
}
