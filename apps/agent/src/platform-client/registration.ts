import type { Logger } from 'pino';
import type { ClusterCredential } from '@vigil/agent-protocol';
import type { HealthRegistry } from '../health/component-health';
import type { FileCredentialStore } from './credential-store';
import type { PlatformClient } from './platform-client';
import { PlatformError } from './platform-errors';

export interface RegistrationOptions {
  registrationToken?: string;
  agentVersion: string;
  kubernetesVersion: () => Promise<string>;
  timeoutMs: number;
  /** Resolves when the agent is stopping, to end the retry loop. */
  stopped: () => boolean;
}

const MAX_BACKOFF_MS = 60_000;

/**
 * A credential from disk, or one exchanged for the registration token and saved
 * before it is used (so a restart reuses it instead of burning the one-time token).
 * Retries with backoff until it has one: the rest of the agent waits on it.
 */
export async function obtainCredential(
  client: PlatformClient,
  store: FileCredentialStore,
  health: HealthRegistry,
  log: Logger,
  options: RegistrationOptions,
): Promise<ClusterCredential | undefined> {
  const saved = store.load();
  if (saved) {
    log.info({ clusterId: saved.clusterId, keyId: saved.keyId }, 'using the saved cluster credential');
    return saved;
  }
  if (!options.registrationToken) {
    health.set('platform-client', 'down', 'no saved credential and no VIGIL_REGISTRATION_TOKEN');
    throw new Error('no saved credential and VIGIL_REGISTRATION_TOKEN is not set');
  }
  let delay = 500;
  while (!options.stopped()) {
    try {
      const credential = await client.call(
        'register',
        { registrationToken: options.registrationToken, agentVersion: options.agentVersion, kubernetesVersion: await options.kubernetesVersion() },
        { timeoutMs: options.timeoutMs },
      );
      store.save(credential);
      log.info({ clusterId: credential.clusterId, keyId: credential.keyId }, 'registered with the platform');
      return credential;
    } catch (error) {
      const detail = error instanceof PlatformError && error.permanent ? `registration refused (${error.status}): is the token valid and unused?` : `registration failed: ${(error as Error).message}`;
      health.set('platform-client', 'down', detail);
      log.warn({ detail }, 'registration failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, MAX_BACKOFF_MS);
    }
  }
  return undefined;
}
