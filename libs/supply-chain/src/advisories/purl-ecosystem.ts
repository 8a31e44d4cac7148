import { PackageURL } from 'packageurl-js';

// Derives the OSV ecosystem of an SBOM package from its purl, e.g.
// pkg:apk/alpine/musl@1.2.3-r4?distro=alpine-3.17.2 -> Alpine:v3.17.

export interface PurlPackage {
  /** OSV ecosystem string, or undefined when the purl type has no OSV ecosystem. */
  ecosystem?: string;
  /** Name as OSV spells it (npm scope and Go module path included). */
  name: string;
  version?: string;
  /** Source package (apk origin / dpkg Source) from `upstream=` or `source=`. */
  sourceName?: string;
}

const DEBIAN_CODENAMES: Record<string, string> = {
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
};
const UBUNTU_CODENAMES: Record<string, string> = {
  xenial: '16.04',
  bionic: '18.04',
  focal: '20.04',
  jammy: '22.04',
  noble: '24.04',
};

function alpineEcosystem(distro: string | undefined): string {
  // syft writes "alpine-3.17.2", osv-scalibr "3.22.0"; OSV scopes by branch "v3.17".
  const m = distro ? /^(?:alpine-)?v?(\d+)\.(\d+)/i.exec(distro) : null;
  return m ? `Alpine:v${m[1]}.${m[2]}` : 'Alpine';
}

function debianEcosystem(distro: string | undefined): string {
  if (!distro) return 'Debian';
  const d = distro.toLowerCase().replace(/^debian-/, '');
  const numeric = /^(\d+)/.exec(d);
  if (numeric) return `Debian:${numeric[1]}`;
  return DEBIAN_CODENAMES[d] ? `Debian:${DEBIAN_CODENAMES[d]}` : d === 'sid' ? 'Debian:sid' : 'Debian';
}

function ubuntuEcosystem(distro: string | undefined): string {
  if (!distro) return 'Ubuntu';
  const d = distro.toLowerCase().replace(/^ubuntu-/, '');
  const numeric = /^(\d+\.\d+)/.exec(d);
  if (numeric) return `Ubuntu:${numeric[1]}`;
  return UBUNTU_CODENAMES[d] ? `Ubuntu:${UBUNTU_CODENAMES[d]}` : 'Ubuntu';
}

function sourceOf(qualifiers: Record<string, string> | undefined): string | undefined {
  // syft may write "upstream=glibc@2.31-13"; the source name is before the "@".
  const raw = qualifiers?.upstream ?? qualifiers?.source ?? qualifiers?.origin;
  const name = raw?.split('@')[0].trim();
  return name ? name : undefined;
}

function ecosystemOf(type: string, namespace: string | undefined, distro: string | undefined): string | undefined {
  const ns = namespace?.toLowerCase();
  switch (type) {
    case 'apk':
      if (ns === 'alpine') return alpineEcosystem(distro);
      if (ns === 'wolfi') return 'Wolfi';
      if (ns === 'chainguard') return 'Chainguard';
      if (ns === 'minimos') return 'MinimOS';
      return undefined;
    case 'deb':
      if (ns === 'debian') return debianEcosystem(distro);
      if (ns === 'ubuntu') return ubuntuEcosystem(distro);
      return undefined;
    case 'npm':
      return 'npm';
    case 'pypi':
      return 'PyPI';
    case 'golang':
      return 'Go';
    case 'cargo':
      return 'crates.io';
    case 'gem':
      return 'RubyGems';
    case 'maven':
      return 'Maven';
    case 'nuget':
      return 'NuGet';
    case 'composer':
      return 'Packagist';
    case 'hex':
      return 'Hex';
    case 'pub':
      return 'Pub';
    default:
      return undefined;
  }
}

function osvName(type: string, namespace: string | undefined, name: string): string {
  if (!namespace) return name;
  if (type === 'npm' || type === 'golang' || type === 'composer') return `${namespace}/${name}`;
  if (type === 'maven') return `${namespace}:${name}`;
  return name; // distro namespaces (alpine, debian…) are vendors, not part of the name
}

/** Parses a purl into OSV terms; throws on a malformed purl (packageurl-js' message). */
export function osvPackageFromPurl(purl: string): PurlPackage {
  const p = PackageURL.fromString(purl);
  const qualifiers = (p.qualifiers ?? undefined) as Record<string, string> | undefined;
  const ecosystem = ecosystemOf(p.type, p.namespace ?? undefined, qualifiers?.distro);
  const sourceName = sourceOf(qualifiers);
  return {
    ...(ecosystem !== undefined && { ecosystem }),
    name: osvName(p.type, p.namespace ?? undefined, p.name),
    ...(p.version != null && { version: p.version }),
    ...(sourceName !== undefined && { sourceName }),
  };
}

/** Just the OSV ecosystem of a purl, or undefined if unknown or unparseable. */
export function osvEcosystemFromPurl(purl: string): string | undefined {
  try {
    return osvPackageFromPurl(purl).ecosystem;
  } catch {
    return undefined;
  }
}
