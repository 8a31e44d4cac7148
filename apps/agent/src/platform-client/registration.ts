import type { Logger } from 'pino';
import type { ClusterCredential } from '@vigil/agent-protocol';
import type { HealthRegistry } from '../health/component-health';
import type { CredentialStore } from './credential-store';
import type { PlatformClient } from './platform-client';
import { PlatformError } from './platform-errors';

export interface RegistrationOptions {
  registrationToken?: string;
  agentVersion: string;
  kubernetesVersion: () => Promise<string>;
  timeoutMs: number;
  /**
   * After the platform refused the token (typically: another replica used it a
   * moment ago), how long to keep re-reading the store for that replica's
   * credential before reporting the refusal. Re-read in five steps.
   */
  peerWaitMs: number;
  /** True when the agent is stopping, to end the retry loop. */
  stopped: () => boolean;
}

const MAX_BACKOFF_MS = 60_000;
const PEER_WAIT_STEPS = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The stored credential, or one exchanged for the one-time registration token
 * and stored before it is used (so a restart, or another replica, reuses it
 * instead of burning the token again). Replicas race safely: the store's first
 * write wins and a loser adopts the winner's credential; a replica whose token
 * was refused waits for the winner's credential to appear. Retries with backoff
 * until it has one: the rest of the agent waits on it.
 */
export async function obtainCredential(
  client: PlatformClient,
  store: CredentialStore,
  health: HealthRegistry,
  log: Logger,
  options: RegistrationOptions,
): Promise<ClusterCredential | undefined> {
  let delay = 500;
  const backoff = async () => {
    await sleep(delay);
    delay = Math.min(delay * 2, MAX_BACKOFF_MS);
  };
  const down = (detail: string) => {
    health.set('platform-client', 'down', detail);
    log.warn({ detail }, 'no cluster credential yet; retrying');
  };
  // Once the token is exchanged it is spent: from then on only storing may be retried.
  let registered: ClusterCredential | undefined;

  while (!options.stopped()) {
    if (registered) {
      try {
        const stored = await store.storeFirst(registered);
        if (stored.keyId !== registered.keyId) {
          log.warn({ usedKeyId: stored.keyId, unusedKeyId: registered.keyId }, 'another replica stored its credential first; using it (the unused key can be revoked)');
        } else {
          log.info({ clusterId: stored.clusterId, keyId: stored.keyId, store: store.description }, 'registered with the platform');
        }
        return stored;
      } catch (error) {
        down(`registered, but the credential cannot be stored in ${store.description}: ${(error as Error).message}`);
        await backoff();
        continue;
      }
    }

    let saved: ClusterCredential | undefined;
    try {
      saved = await store.load();
    } catch (error) {
      down(`cannot read ${store.description}: ${(error as Error).message}`);
      await backoff();
      continue;
    }
    if (saved) {
      log.info({ clusterId: saved.clusterId, keyId: saved.keyId, store: store.description }, 'using the stored cluster credential');
      return saved;
    }
    if (!options.registrationToken) {
      health.set('platform-client', 'down', `no credential in ${store.description} and no VIGIL_REGISTRATION_TOKEN`);
      throw new Error(`no credential in ${store.description} and VIGIL_REGISTRATION_TOKEN is not set`);
    }

    try {
      registered = await client.call(
        'register',
        { registrationToken: options.registrationToken, agentVersion: options.agentVersion, kubernetesVersion: await options.kubernetesVersion() },
        { timeoutMs: options.timeoutMs },
      );
      continue;
    } catch (error) {
      if (!(error instanceof PlatformError && error.permanent)) {
        down(`registration failed: ${(error as Error).message}`);
        await backoff();
        continue;
      }
      // Refused: most likely another replica used the one-time token a moment ago
      // and is about to store the credential. Give it time before reporting.
      health.set('platform-client', 'down', `registration refused (${error.status}); waiting for another replica's credential in ${store.description}`);
      const peer = await waitForPeer(store, options);
      if (peer) {
        log.info({ clusterId: peer.clusterId, keyId: peer.keyId, store: store.description }, "using the credential another replica registered");
        return peer;
      }
      down(`registration refused (${error.status}) and no credential appeared in ${store.description}: is the token valid and unused?`);
      await backoff();
    }
  }
  return undefined;
}

async function waitForPeer(store: CredentialStore, options: RegistrationOptions): Promise<ClusterCredential | undefined> {
  const step = Math.max(1, Math.floor(options.peerWaitMs / PEER_WAIT_STEPS));
  for (let i = 0; i < PEER_WAIT_STEPS && !options.stopped(); i++) {
    await sleep(step);
    try {
      const found = await store.load();
      if (found) return found;
    } catch {
      /* unreadable now: the next step or the outer loop reads again */
    }
  }
  return undefined;
}
