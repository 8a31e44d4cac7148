import { Inject, Injectable } from '@nestjs/common';
import type { CredentialProvider, RegistryCredential } from '@vigil/oci';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { SecretBox } from '@vigil/shared/crypto';
import { RegistryCredentialRepository } from './registry-credential.repository';

/** How long a replica may keep using a login after another replica changed it. */
const CACHE_TTL_MS = 60_000;

export function registryCredentialContext(orgId: string, registry: string): string {
  return `registry-credential:${orgId}:${registry}`;
}

/**
 * Registry logins as the OCI client asks for them: per org, per registry,
 * opened from their sealed form only when a registry asks, and cached briefly.
 */
@Injectable()
export class OrgRegistryCredentials {
  private readonly box: SecretBox;
  private readonly cache = new Map<string, { credential: RegistryCredential | undefined; until: number }>();

  constructor(
    private readonly repository: RegistryCredentialRepository,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
  ) {
    this.box = new SecretBox(config.env.VIGIL_SECRET_KEY, 'registry-credentials');
  }

  seal(orgId: string, registry: string, password: string): Buffer {
    return this.box.seal(password, registryCredentialContext(orgId, registry));
  }

  providerFor(orgId: string): CredentialProvider {
    return (registry) => this.lookup(orgId, registry.toLowerCase());
  }

  forget(orgId: string, registry: string): void {
    this.cache.delete(`${orgId}/${registry}`);
  }

  private async lookup(orgId: string, registry: string): Promise<RegistryCredential | undefined> {
    const key = `${orgId}/${registry}`;
    const cached = this.cache.get(key);
    if (cached && cached.until > Date.now()) return cached.credential;
    const row = await this.repository.withSecret(orgId, registry);
    const password = row ? this.box.open(row.secretSealed, registryCredentialContext(orgId, registry)) : null;
    const credential = row && password ? { username: row.username, password: password.toString('utf8') } : undefined;
    this.cache.set(key, { credential, until: Date.now() + CACHE_TTL_MS });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value as string);
    return credential;
  }
}
