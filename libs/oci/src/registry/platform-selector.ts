import type { ImageIndex, IndexEntry, Platform } from './manifest.schema';

export interface PlatformWanted {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

/**
 * The index entry for a platform, as container runtimes choose it: exact
 * os/architecture, the variant when asked for (arm64 without variant means v8).
 * Attestation manifests (`unknown/unknown`) never match.
 */
export function selectPlatformManifest(index: ImageIndex, wanted: PlatformWanted): IndexEntry | undefined {
  const candidates = index.manifests.filter((entry) => entry.platform && entry.platform.os === wanted.os && entry.platform.architecture === wanted.architecture);
  if (!wanted.variant) return candidates.find((entry) => !entry.platform?.variant || isDefaultVariant(entry.platform)) ?? candidates[0];
  return candidates.find((entry) => (entry.platform?.variant ?? defaultVariant(wanted.architecture)) === wanted.variant);
}

function defaultVariant(architecture: string): string | undefined {
  return architecture === 'arm64' ? 'v8' : undefined;
}

function isDefaultVariant(platform: Platform): boolean {
  return platform.variant === defaultVariant(platform.architecture);
}
