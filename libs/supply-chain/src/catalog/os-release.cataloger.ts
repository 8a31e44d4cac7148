import { distroEcosystem } from '../sbom';

/** The distro an image is built on, from `/etc/os-release` (or `/usr/lib/os-release`). */
export interface Distro {
  /** os-release ID, lower case: alpine, debian, ubuntu, wolfi, chainguard, … */
  id: string;
  versionId?: string;
  codename?: string;
  prettyName?: string;
  /** OSV ecosystem for the distro's packages: `Alpine:v3.19`, `Debian:12`, `Wolfi`; `''` when OSV has none. */
  ecosystem: string;
}

/** Parses os-release (shell-style KEY=value lines, values optionally quoted). */
export function parseOsRelease(text: string): Distro | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2].trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    }
    fields.set(m[1], value);
  }
  const id = fields.get('ID')?.toLowerCase();
  if (!id) return undefined;
  const distro: Distro = { id, ecosystem: '' };
  const versionId = fields.get('VERSION_ID');
  const codename = fields.get('VERSION_CODENAME');
  const prettyName = fields.get('PRETTY_NAME');
  if (versionId) distro.versionId = versionId;
  if (codename) distro.codename = codename;
  if (prettyName) distro.prettyName = prettyName;
  distro.ecosystem = distroEcosystem(id, versionId ?? codename);
  return distro;
}

/** The purl `distro` qualifier tools write for this distro: `alpine-3.19.1`, `debian-12`. */
export function distroQualifier(distro: Distro | undefined): string | undefined {
  const release = distro?.versionId ?? distro?.codename;
  return distro && release ? `${distro.id}-${release}` : undefined;
}
