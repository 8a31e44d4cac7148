// OSV ecosystem strings (`Alpine:v3.19`, `Debian:12`, `Ubuntu:22.04:LTS`, `PyPI`)
// split into the family that decides version semantics and the release that
// scopes distro packages. Names follow ossf/osv-schema ecosystems.json.

export interface OsvEcosystem {
  /** The part before the first `:`, e.g. `Alpine`. */
  family: string;
  /** Normalised release, e.g. `v3.19`, `12`, `22.04`; undefined for unscoped ecosystems. */
  release?: string;
}

/** Distro families whose advisories name source packages and are scoped by release. */
export const DISTRO_FAMILIES: ReadonlySet<string> = new Set([
  'Alpine',
  'Alpaquita',
  'BellSoft Hardened Containers',
  'Debian',
  'Ubuntu',
]);

/** Families where the OSV `name` is a source package (binary packages match through their source). */
export const SOURCE_NAMED_FAMILIES: ReadonlySet<string> = DISTRO_FAMILIES;

export function parseEcosystem(ecosystem: string): OsvEcosystem {
  const s = ecosystem.trim();
  const colon = s.indexOf(':');
  if (colon < 0) return { family: s };
  const family = s.slice(0, colon);
  let release = s.slice(colon + 1).trim();
  // "Ubuntu:22.04:LTS" and "Ubuntu:22.04" name the same release for matching.
  if (family === 'Ubuntu') release = release.replace(/:LTS$/i, '');
  if (family === 'Alpine' && /^\d/.test(release)) release = `v${release}`;
  return release === '' ? { family } : { family, release };
}

export function formatEcosystem({ family, release }: OsvEcosystem): string {
  return release === undefined ? family : `${family}:${release}`;
}
