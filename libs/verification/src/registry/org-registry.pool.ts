import { Inject, Injectable, OnModuleDestroy, Optional } from '@nestjs/common';
import { OrgRegistryCredentials } from '@vigil/registries';
import { CosignVerifier, RegistryClient, registryOptionsFromConfig } from '@vigil/oci';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';

/** Admission answers within the agent's deadline (2.5 s by default); a registry attempt may not eat it all. */
export const REGISTRY_ATTEMPT_TIMEOUT_MS = 4_000;
const MAX_ORGS = 256;

interface OrgRegistry {
  readonly client: RegistryClient;
  readonly verifier: CosignVerifier;
}

/**
 * One registry client (and so one digest-keyed content cache and one token
 * cache) per org: a private manifest fetched with one tenant's credentials
 * must never be served to another. Each client logs in with its org's
 * registry credentials (libs/registries) when a registry asks.
 */
@Injectable()
export class OrgRegistryPool implements OnModuleDestroy {
  private readonly byOrg = new Map<string, OrgRegistry>();
  private readonly options: ReturnType<typeof registryOptionsFromConfig>;

  constructor(
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    @Optional() private readonly logins?: OrgRegistryCredentials,
  ) {
    this.options = registryOptionsFromConfig(config.env);
  }

  forOrg(orgId: string): OrgRegistry {
    const found = this.byOrg.get(orgId);
    if (found) {
      this.byOrg.delete(orgId);
      this.byOrg.set(orgId, found);
      return found;
    }
    const client = new RegistryClient({ ...this.options, credentials: this.logins?.providerFor(orgId), timeoutMs: REGISTRY_ATTEMPT_TIMEOUT_MS, retry: { retries: 1, maxDelayMs: 1_000 }, userAgent: 'vigil-admission/1' });
    const created = { client, verifier: new CosignVerifier(client) };
    this.byOrg.set(orgId, created);
    while (this.byOrg.size > MAX_ORGS) {
      const [oldest, registry] = this.byOrg.entries().next().value as [string, OrgRegistry];
      this.byOrg.delete(oldest);
      void registry.client.close().catch(() => undefined);
    }
    return created;
  }

  async onModuleDestroy(): Promise<void> {
    const clients = [...this.byOrg.values()].map((r) => r.client.close().catch(() => undefined));
    this.byOrg.clear();
    await Promise.all(clients);
  }
}
