import type { ContentCache } from './content-cache';
import type { CredentialProvider } from './registry-credentials';
import type { RetryOptions } from './retry-policy';
import type { Resolver } from './target-guard';

export interface RegistryClientOptions {
  /** `host[:port]` reached over plain HTTP (VIGIL_INSECURE_REGISTRIES). A host without port matches every port. */
  readonly insecureRegistries?: readonly string[];
  /** Allow loopback/private/link-local targets (VIGIL_ALLOW_PRIVATE_TARGETS). Off: SSRF protection. */
  readonly allowPrivateTargets?: boolean;
  readonly credentials?: CredentialProvider;
  /** Deadline of one HTTP attempt, headers and body together (default 15 s). */
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryOptions>;
  /** Largest manifest accepted (default 4 MiB, as the distribution registry). */
  readonly maxManifestBytes?: number;
  /** Largest blob `getBlob` reads when the caller gives no limit (default 16 MiB). */
  readonly maxBlobBytes?: number;
  /** Digest-keyed content cache; by default one per client (see ContentCache on sharing). */
  readonly cache?: ContentCache;
  /** DNS resolver used for the SSRF checks (tests; defaults to the system resolver). */
  readonly resolver?: Resolver;
  readonly userAgent?: string;
}

/** The two platform settings, as `@vigil/shared/config` parses them, mapped onto client options. */
export function registryOptionsFromConfig(env: {
  readonly VIGIL_INSECURE_REGISTRIES?: readonly string[];
  readonly VIGIL_ALLOW_PRIVATE_TARGETS?: boolean;
}): Pick<RegistryClientOptions, 'insecureRegistries' | 'allowPrivateTargets'> {
  return { insecureRegistries: env.VIGIL_INSECURE_REGISTRIES ?? [], allowPrivateTargets: env.VIGIL_ALLOW_PRIVATE_TARGETS ?? false };
}
