import { createHash } from 'node:crypto';
import type { SbomPackage } from './sbom-package.model';

export interface SbomWriteOptions {
  /** Document name, e.g. the image reference or digest. */
  name: string;
  /** What the SBOM describes, usually the image (`pkg:oci/…` purl): SPDX root package / CycloneDX metadata.component. */
  subject?: { name: string; version?: string; purl?: string };
  /** Creation time; pass a fixed one for byte-identical output. Defaults to now. */
  created?: Date;
  /** Written as the creating tool. */
  tool?: { name: string; version?: string };
}

export const DEFAULT_SBOM_TOOL: Readonly<{ name: string; version?: string }> = { name: 'vigil' };

/** Stable digest of the content, so the same packages always get the same SPDX namespace / CycloneDX serial. */
export function sbomContentDigest(packages: readonly SbomPackage[], options: SbomWriteOptions): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([options.name, options.subject ?? null]));
  for (const pkg of packages) hash.update(`\n${pkg.purl}`);
  return hash.digest('hex');
}
