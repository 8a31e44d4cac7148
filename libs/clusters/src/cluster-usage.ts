/** What runs in a cluster now; provided by the inventory context (dependency inverted). */
export interface ClusterUsage {
  runningPods: number;
  runningContainers: number;
  runningImages: number;
}

export interface ClusterUsageProvider {
  usage(orgId: string, clusterId: string): Promise<ClusterUsage>;
}

export const CLUSTER_USAGE = Symbol('CLUSTER_USAGE');
