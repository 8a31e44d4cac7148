import { Inject, Injectable } from '@nestjs/common';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { SecretBox } from '@vigil/shared/crypto';
import { DatabaseNotifications, InvalidatedCache } from '@vigil/shared/database';
import { AgentCredentialRepository } from '../repositories';

export interface OpenedCredential {
  orgId: string;
  clusterId: string;
  secret: string;
}

export function credentialContext(keyId: string): string {
  return `cluster-credential:${keyId}`;
}

/**
 * Live agent credentials by key id, opened, in memory: every agent request
 * needs one and they change rarely. Revocation, expiry, rotation and cluster
 * retirement reach every replica through Postgres notifications (migration
 * CacheInvalidationNotifications); unknown key ids are never cached.
 */
@Injectable()
export class AgentCredentialCache {
  private readonly box: SecretBox;
  private readonly cache: InvalidatedCache<OpenedCredential>;

  constructor(
    private readonly credentials: AgentCredentialRepository,
    notifications: DatabaseNotifications,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
  ) {
    this.box = new SecretBox(config.env.VIGIL_SECRET_KEY, 'cluster-credentials');
    this.cache = new InvalidatedCache(notifications, { channel: 'vigil_agent_credentials', ttlMs: 60_000, maxEntries: 20_000 });
  }

  /** After a commit that retired the cluster: this replica stops accepting its credentials at once. */
  forgetCluster(clusterId: string): void {
    this.cache.forget(`cluster:${clusterId}`);
  }

  lookup(keyId: string): Promise<OpenedCredential | null> {
    return this.cache.get(keyId, async () => {
      const stored = await this.credentials.lookup(keyId);
      const secret = stored && this.box.open(stored.secretSealed, credentialContext(keyId));
      if (!stored || !secret) return null;
      return {
        value: { orgId: stored.orgId, clusterId: stored.clusterId, secret: secret.toString('utf8') },
        tags: [`key:${keyId}`, `cluster:${stored.clusterId}`],
        expiresAt: stored.expiresAt?.getTime(),
      };
    });
  }
}
