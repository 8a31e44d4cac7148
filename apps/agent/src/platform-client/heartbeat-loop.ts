import type { Logger } from 'pino';
import type { HealthRegistry } from '../health/component-health';
import { PeriodicTask } from '../health/periodic-task';
import type { PlatformClient } from './platform-client';
import { PlatformError } from './platform-errors';

export interface HeartbeatOptions {
  agentId: string;
  agentVersion: string;
  intervalMs: number;
  timeoutMs: number;
  kubernetesVersion: () => Promise<string>;
  /** Undefined on a replica that does not run the pod inventory (a follower): left out of the beat. */
  nodeCount: () => number | undefined;
  onPolicyState: (token: string) => void;
  onCommandsPending: () => void;
  /** A 401: the stored credential may have been rotated by another replica. */
  onUnauthorized?: () => Promise<void>;
}

/** Drift at which signatures are near the ±300 s replay window. */
const DRIFT_WARN_SECONDS = 60;

/** Tells the platform the agent lives, and learns policy changes and pending commands. */
export function createHeartbeatLoop(client: PlatformClient, health: HealthRegistry, log: Logger, o: HeartbeatOptions): PeriodicTask {
  let failures = 0;
  return new PeriodicTask(
    'heartbeat',
    async () => {
      try {
        const res = await client.call(
          'heartbeat',
          { agentId: o.agentId, agentVersion: o.agentVersion, kubernetesVersion: await o.kubernetesVersion(), nodeCount: o.nodeCount(), sentAt: new Date().toISOString() },
          { timeoutMs: o.timeoutMs },
        );
        failures = 0;
        health.set('platform-client', 'ok');
        const drift = (Date.parse(res.serverTime) - Date.now()) / 1000;
        if (Math.abs(drift) > DRIFT_WARN_SECONDS) log.warn({ driftSeconds: drift }, 'clock drift against the platform: signed requests will be refused past 300 s');
        o.onPolicyState(res.policyStateToken);
        if (res.commandsPending) o.onCommandsPending();
        return res.nextHeartbeatSeconds * 1000;
      } catch (error) {
        failures += 1;
        if (error instanceof PlatformError && error.status === 401 && o.onUnauthorized) {
          await o.onUnauthorized().catch((e: unknown) => log.warn({ err: e }, 'could not re-read the stored credential'));
        }
        // Degraded, not down: admission still answers (failure policy) and inventory buffers.
        health.set('platform-client', 'degraded', `heartbeat failed ${failures}x: ${(error as Error).message}`);
        return Math.min(o.intervalMs, 5000 * failures);
      }
    },
    log,
  );
}
