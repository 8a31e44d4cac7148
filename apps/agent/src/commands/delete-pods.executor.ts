import type { Logger } from 'pino';
import type { DeletePodsCommand } from '@vigil/agent-protocol';
import { KubeClients, kubeStatusOf, withTimeout } from '../kube/kube-access';
import type { PodInventory } from '../inventory/pod-inventory';
import type { CommandResult } from './command-result';

export interface DeletePodsOptions {
  enabled: boolean;
  /** Never delete in these (kube-system, the agent's own): a policy must not take the cluster or Vigil down. */
  protectedNamespaces: readonly string[];
}

/** Deletes the pods of one workload; their controller recreates them, and admission then decides anew. */
export async function deletePodsOfWorkload(
  command: DeletePodsCommand,
  kube: KubeClients,
  inventory: PodInventory,
  log: Logger,
  o: DeletePodsOptions,
): Promise<CommandResult | undefined> {
  const { namespace, workload, reason } = command.params;
  if (!o.enabled) return { outcome: 'rejected', message: 'pod deletion is disabled on this agent (VIGIL_COMMANDS_ENABLED=false)' };
  if (o.protectedNamespaces.includes(namespace)) return { outcome: 'rejected', message: `namespace ${namespace} is exempt from Vigil` };
  // Not synced yet: leave the command pending (no ack) rather than claim "no pods".
  if (!inventory.isSynced) return undefined;
  const pods = inventory.podsOfWorkload(namespace, workload);
  let deleted = 0;
  for (const pod of pods) {
    try {
      await withTimeout(kube.core.deleteNamespacedPod({ name: pod.name, namespace }), kube.timeoutMs, 'delete pod');
      deleted += 1;
      log.warn({ commandId: command.id, namespace, pod: pod.name, workload, reason }, 'deleted pod on platform command');
    } catch (error) {
      const status = kubeStatusOf(error);
      if (status === 404) continue; // already gone: the goal is reached
      if (status === 403) return { outcome: 'rejected', affectedCount: deleted, message: 'RBAC does not allow this agent to delete pods' };
      return { outcome: 'failed', affectedCount: deleted, message: `deleting ${namespace}/${pod.name} failed: ${(error as Error).message}`.slice(0, 4000) };
    }
  }
  return { outcome: 'succeeded', affectedCount: deleted, message: `deleted ${deleted} pod(s) of ${workload.kind} ${namespace}/${workload.name}` };
}
