import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import pino, { Logger } from 'pino';
import type { ClusterCredential, OwnerReference } from '@vigil/agent-protocol';
import { AdmissionHandler } from './admission/admission-handler';
import { createAgentServer } from './admission/agent-server';
import { DecisionCache } from './admission/decision-cache';
import type { AgentConfig } from './agent-config';
import { CommandRunner } from './commands/command-runner';
import { deletePodsOfWorkload } from './commands/delete-pods.executor';
import { createAgentMetrics, AgentMetrics } from './health/agent-metrics';
import { HealthRegistry, HealthState } from './health/component-health';
import { PeriodicTask } from './health/periodic-task';
import { InventoryQueue } from './inventory/inventory-queue';
import { InventorySender } from './inventory/inventory-sender';
import { OwnerResolver } from './inventory/owner-resolver';
import { PodInventory } from './inventory/pod-inventory';
import { createKubeClients, kubernetesVersionProbe, KubeClients, loadKubeConfig, kubeStatusOf, withTimeout } from './kube/kube-access';
import { LeaderElector } from './leader-election/leader-elector';
import { KubeLeaseLock } from './leader-election/lease-lock';
import { CredentialStore, FileCredentialStore } from './platform-client/credential-store';
import { createHeartbeatLoop } from './platform-client/heartbeat-loop';
import { PlatformClient } from './platform-client/platform-client';
import { obtainCredential } from './platform-client/registration';
import { SecretCredentialStore } from './platform-client/secret-credential-store';

export const AGENT_VERSION = process.env.npm_package_version ?? '0.1.0';

export interface AgentDeps {
  /** Tests pass a KubeConfig pointing at the fake API server. */
  kubeConfig?: KubeConfig;
  logger?: Logger;
}

export interface AgentHandle {
  port: number;
  health: HealthRegistry;
  metrics: AgentMetrics;
  /** The pod inventory of the current leader term (always, with leader election off); undefined on a follower. */
  readonly inventory: PodInventory | undefined;
  /** `leader`, `follower`, or `single` (leader election off). */
  readonly role: 'leader' | 'follower' | 'single';
  platform: PlatformClient;
  decisionCache: DecisionCache;
  /** Resolves once the agent holds a credential and its loops run. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** Builds a config from an env object: used by main and by tests alike. */
export function agentIdSuffix(): string {
  return randomBytes(4).toString('hex');
}

export function defaultHostname(): string {
  return hostname();
}

function ownerFetcher(kube: KubeClients) {
  return async (namespace: string, owner: OwnerReference): Promise<OwnerReference[] | undefined> => {
    try {
      const obj =
        owner.kind === 'ReplicaSet'
          ? await withTimeout(kube.apps.readNamespacedReplicaSet({ name: owner.name, namespace }), kube.timeoutMs, 'get replicaset')
          : await withTimeout(kube.batch.readNamespacedJob({ name: owner.name, namespace }), kube.timeoutMs, 'get job');
      if (obj.metadata?.uid !== owner.uid) return undefined; // recreated under the same name: not this pod's owner
      return (obj.metadata?.ownerReferences ?? []).map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, name: r.name, uid: r.uid, controller: r.controller }));
    } catch (error) {
      if (kubeStatusOf(error) === 404) return undefined;
      throw error;
    }
  };
}

/** VIGIL_CREDENTIALS_STORE: a file of this process, or a Secret shared by every replica. */
function credentialStoreFor(config: AgentConfig, kube: KubeClients): CredentialStore {
  if (config.VIGIL_CREDENTIALS_STORE === 'file') return new FileCredentialStore(config.VIGIL_CREDENTIALS_FILE);
  if (!config.agentNamespace) throw new Error('POD_NAMESPACE: is required with VIGIL_CREDENTIALS_STORE=secret');
  return new SecretCredentialStore({ core: kube.core, namespace: config.agentNamespace, name: config.VIGIL_CREDENTIALS_SECRET, timeoutMs: kube.timeoutMs });
}

/** What only the leader runs, started afresh each time it gains leadership. */
interface LeaderTerm {
  inventory: PodInventory;
  stop(): Promise<void>;
}

/** The composition root: wires the four loops and the HTTPS server. */
export async function startAgent(config: AgentConfig, deps: AgentDeps = {}): Promise<AgentHandle> {
  const log = deps.logger ?? pino({ level: config.LOG_LEVEL, redact: { paths: ['*.secret', '*.registrationToken', 'secret'], censor: '[redacted]' } });
  const metrics = createAgentMetrics();
  const health = new HealthRegistry();
  const platform = new PlatformClient(config.VIGIL_API_URL, metrics, log.child({ component: 'platform-client' }));
  const kube = createKubeClients(deps.kubeConfig ?? loadKubeConfig(config.KUBECONFIG), config.VIGIL_KUBE_TIMEOUT_MS);
  const store = credentialStoreFor(config, kube);
  if (!config.VIGIL_REGISTRATION_TOKEN) {
    let stored: unknown;
    try {
      stored = await store.load();
    } catch (error) {
      // A bad file is fatal at once; an unreachable kube API is retried by the registration loop.
      if (store instanceof FileCredentialStore) throw error;
      stored = 'unknown yet';
    }
    if (stored === undefined) throw new Error(`VIGIL_REGISTRATION_TOKEN: is required when ${store.description} holds no credential`);
  }
  const kubernetesVersion = kubernetesVersionProbe(kube);
  const owners = new OwnerResolver(ownerFetcher(kube));
  const cache = new DecisionCache(config.VIGIL_ADMISSION_CACHE_SIZE);

  let role: 'leader' | 'follower' | 'single' = config.leaderElection ? 'follower' : 'single';
  // Assigned once the loops are wired; /readyz may ask before (the server listens first).
  let elector: LeaderElector | undefined;
  const admission = new AdmissionHandler(platform, cache, metrics, log.child({ component: 'admission' }), {
    exemptNamespaces: config.exemptNamespaces,
    deadlineMs: config.VIGIL_ADMISSION_DEADLINE_MS,
    failurePolicy: config.VIGIL_CLUSTER_FAILURE_POLICY,
    ownerOf: (ns, refs) => owners.resolve(ns, refs),
  });
  const server: Server = createAgentServer({
    cert: readFileSync(config.WEBHOOK_TLS_CERT),
    key: readFileSync(config.WEBHOOK_TLS_KEY),
    admission,
    health,
    metrics,
    log: log.child({ component: 'admission' }),
    role: () => ({ role, leader: role === 'single' ? config.agentId : elector?.observedLeader || undefined }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.WEBHOOK_PORT, '0.0.0.0', () => resolve());
  });
  server.on('error', (error) => log.error({ err: error }, 'admission server error'));
  health.set('admission', 'ok');
  health.set('platform-client', 'down', 'registering');
  health.set('commands', 'ok', config.VIGIL_COMMANDS_ENABLED ? undefined : 'pod deletion disabled');

  // Inventory health is the worse of the informer and the sender, of the current term.
  let informerState: { state: HealthState; detail?: string } = { state: 'down', detail: 'not started' };
  let senderState: { ok: boolean; detail?: string } = { ok: true };
  const publishInventory = () => {
    // With leader election, readiness is about admission only: a new leader's first list is not a reason to leave the Service.
    const informer = config.leaderElection && informerState.state === 'down' ? 'degraded' : informerState.state;
    if (informer !== 'ok') health.set('inventory', informer, informerState.detail);
    else health.set('inventory', senderState.ok ? 'ok' : 'degraded', senderState.detail);
  };
  publishInventory();

  let term: LeaderTerm | undefined;
  let termId = 0;
  // Sequence numbers continue across terms under the one agentId (protocol: monotonic per agent).
  let nextSequence = 1;
  /** `leaderTerm`: the Lease's leaseTransitions this term acquired (the batches' fencing token); none with election off. */
  const startLeaderTerm = (leaderTerm?: number): void => {
    const id = ++termId;
    const current = () => id === termId;
    const queue = new InventoryQueue(config.VIGIL_INVENTORY_BUFFER_SIZE);
    let counted = false;
    const inventory = new PodInventory(kube, owners, queue, metrics, log.child({ component: 'inventory' }), {
      idleTimeoutMs: config.VIGIL_WATCH_IDLE_TIMEOUT_MS,
      onHealth: (state, detail) => {
        if (!current()) return;
        informerState = { state, detail };
        publishInventory();
        // The node count is known from the first list on: tell the platform now, not a heartbeat interval later.
        if (!counted && inventory.isSynced) {
          counted = true;
          heartbeat.trigger();
        }
      },
    });
    const sender = new InventorySender(queue, platform, metrics, log.child({ component: 'inventory' }), {
      agentId: config.agentId,
      firstSequence: nextSequence,
      term: leaderTerm,
      flushMs: config.VIGIL_INVENTORY_FLUSH_MS,
      timeoutMs: config.VIGIL_PLATFORM_TIMEOUT_MS,
      currentPods: () => inventory.currentPods(),
      onHealth: (ok, detail) => {
        if (!current()) return;
        senderState = { ok, detail };
        publishInventory();
      },
    });
    let overflowsSeen = 0;
    const countOverflows = () => {
      metrics.inventoryOverflows.inc(queue.overflows - overflowsSeen);
      overflowsSeen = queue.overflows;
    };
    const senderTask = new PeriodicTask('inventory-sender', async () => {
      countOverflows();
      return sender.tick();
    }, log, () => metrics.handlerErrors.inc({ component: 'inventory' }));
    const snapshotTask = new PeriodicTask('inventory-snapshot', async () => {
      queue.requestSnapshot();
      return config.VIGIL_SNAPSHOT_INTERVAL_MS;
    }, log);
    senderState = { ok: true };
    // A fresh informer: its first list becomes a full snapshot, so the platform learns the state as this term sees it.
    inventory.start();
    senderTask.start();
    snapshotTask.start(config.VIGIL_SNAPSHOT_INTERVAL_MS);
    commandTask.start();
    term = {
      inventory,
      async stop() {
        sender.halt();
        await Promise.all([senderTask.stop(), snapshotTask.stop(), commandTask.stop(), inventory.stop()]);
        nextSequence = Math.max(nextSequence, sender.nextSequenceNumber);
      },
    };
  };
  const stopLeaderTerm = async (): Promise<void> => {
    const ending = term;
    term = undefined;
    termId += 1;
    await ending?.stop();
  };
  const publishFollower = () => {
    informerState = { state: 'ok', detail: 'follower: the leader replica runs the pod inventory' };
    senderState = { ok: true };
    publishInventory();
    health.set('commands', 'ok', 'follower: the leader replica runs commands');
  };

  const rotateCredential = async (next: ClusterCredential) => {
    const current = platform.current;
    if (current && current.clusterId !== next.clusterId) throw new Error('rotate-credential names another cluster');
    // Stored before it is used: a restart (or another replica) must find the key in use.
    await store.replace(next);
    platform.useCredential(next);
    log.info({ keyId: next.keyId, store: store.description }, 'credential rotated');
  };
  const adoptStoredCredential = async () => {
    const stored = await store.load();
    const current = platform.current;
    if (!stored || !current || stored.clusterId !== current.clusterId || stored.keyId === current.keyId) return;
    platform.useCredential(stored);
    log.info({ keyId: stored.keyId, store: store.description }, 'adopted the credential another replica rotated to');
  };
  const runner = new CommandRunner(
    platform,
    {
      deletePods: (command) => {
        // Commands run only within a term, which always has an inventory.
        if (!term) throw new Error('not the leader: no pod inventory to find the workload\'s pods in');
        return deletePodsOfWorkload(command, kube, term.inventory, log.child({ component: 'commands' }), {
          enabled: config.VIGIL_COMMANDS_ENABLED,
          protectedNamespaces: config.exemptNamespaces,
        });
      },
      rotateCredential,
    },
    metrics,
    log.child({ component: 'commands' }),
    {
      agentId: config.agentId,
      pollMs: config.VIGIL_COMMAND_POLL_MS,
      timeoutMs: config.VIGIL_PLATFORM_TIMEOUT_MS,
      onHealth: (ok, detail) => health.set('commands', ok ? 'ok' : 'degraded', detail),
    },
  );
  const commandTask = new PeriodicTask('commands', () => runner.tick(), log, () => metrics.handlerErrors.inc({ component: 'commands' }));
  const heartbeat = createHeartbeatLoop(platform, health, log.child({ component: 'platform-client' }), {
    agentId: config.agentId,
    agentVersion: AGENT_VERSION,
    intervalMs: config.VIGIL_HEARTBEAT_INTERVAL_MS,
    timeoutMs: config.VIGIL_PLATFORM_TIMEOUT_MS,
    kubernetesVersion,
    // Nodes seen running pods: no extra RBAC on nodes, and every real node runs at least a DaemonSet pod.
    // Unknown (left out, the platform keeps the last count) on a follower and before this term's first pod list.
    nodeCount: () => (term?.inventory.isSynced ? new Set(term.inventory.currentPods().map((p) => p.node).filter(Boolean)).size : undefined),
    onPolicyState: (token) => cache.observeToken(token),
    onCommandsPending: () => commandTask.trigger(),
    onUnauthorized: adoptStoredCredential,
  });

  elector = config.leaderElection
    ? new LeaderElector(
        new KubeLeaseLock(kube.config, config.agentNamespace!, config.VIGIL_LEADER_ELECTION_LEASE, Math.min(kube.timeoutMs, config.VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS)),
        {
          identity: config.agentId,
          leaseDurationMs: config.VIGIL_LEADER_ELECTION_LEASE_DURATION_MS,
          renewDeadlineMs: config.VIGIL_LEADER_ELECTION_RENEW_DEADLINE_MS,
          retryPeriodMs: config.VIGIL_LEADER_ELECTION_RETRY_PERIOD_MS,
          log: log.child({ component: 'leader-election' }),
          onStartedLeading: (leaderTerm) => {
            role = 'leader';
            metrics.leader.set(1);
            metrics.leadershipChanges.inc({ to: 'leader' });
            health.set('leader-election', 'ok', `leader (term ${leaderTerm}): runs the pod inventory and commands`);
            startLeaderTerm(leaderTerm);
          },
          onStoppedLeading: async (reason) => {
            role = 'follower';
            health.set('leader-election', 'ok', `follower (stopped leading: ${reason})`);
            await stopLeaderTerm();
            // The gauge drops once the leader's work has stopped, so 1 means "work may be running".
            metrics.leader.set(0);
            metrics.leadershipChanges.inc({ to: 'follower' });
            publishFollower();
          },
          onLeaseError: (op) => metrics.leaseErrors.inc({ op }),
        },
      )
    : undefined;
  if (elector) health.set('leader-election', 'ok', 'follower');
  metrics.leader.set(0);

  let stopping = false;
  const ready = (async () => {
    const credential = await obtainCredential(platform, store, health, log.child({ component: 'platform-client' }), {
      registrationToken: config.VIGIL_REGISTRATION_TOKEN,
      agentVersion: AGENT_VERSION,
      kubernetesVersion,
      timeoutMs: config.VIGIL_PLATFORM_TIMEOUT_MS,
      peerWaitMs: config.VIGIL_CREDENTIALS_WAIT_MS,
      stopped: () => stopping,
    });
    if (!credential || stopping) return;
    platform.useCredential(credential);
    health.set('platform-client', 'ok');
    heartbeat.start();
    if (elector) {
      publishFollower();
      elector.start();
    } else {
      // Without election this replica does the leader's work (the gauge means "runs inventory and commands").
      metrics.leader.set(1);
      startLeaderTerm();
    }
  })();
  ready.catch((error: unknown) => log.error({ err: error }, 'agent could not start its loops'));

  return {
    get port() {
      return (server.address() as AddressInfo).port;
    },
    health,
    metrics,
    get inventory() {
      return term?.inventory;
    },
    get role() {
      return role;
    },
    platform,
    decisionCache: cache,
    ready,
    async stop() {
      stopping = true;
      // A leader stops its work, then releases the Lease so a follower takes over at once.
      await Promise.all([heartbeat.stop(), elector ? elector.stop() : stopLeaderTerm()]);
      await stopLeaderTerm();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await platform.close();
    },
  };
}
