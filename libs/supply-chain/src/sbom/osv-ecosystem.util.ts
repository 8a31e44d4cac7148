// Debian/Ubuntu purls and os-release files sometimes carry only a codename.
const DEBIAN_CODENAMES: Readonly<Record<string, string>> = {
  wheezy: '7', jessie: '8', stretch: '9', buster: '10', bullseye: '11', bookworm: '12', trixie: '13', forky: '14',
};
const UBUNTU_CODENAMES: Readonly<Record<string, string>> = {
  trusty: '14.04', xenial: '16.04', bionic: '18.04', focal: '20.04', groovy: '20.10', hirsute: '21.04',
  impish: '21.10', jammy: '22.04', kinetic: '22.10', lunar: '23.04', mantic: '23.10', noble: '24.04',
  oracular: '24.10', plucky: '25.04', questing: '25.10',
};

/**
 * OSV ecosystem of a distro release. `release` may be a full VERSION_ID (`3.19.1`, `22.04.2`), a
 * codename (`bookworm`) or absent. Returns the bare distro name when the release is unknown and `''`
 * for distros OSV does not cover.
 */
export function distroEcosystem(id: string, release?: string): string {
  const rel = release?.trim().toLowerCase() ?? '';
  switch (id.toLowerCase()) {
    case 'alpine': {
      const m = /^v?(\d+)\.(\d+)/.exec(rel);
      return m ? `Alpine:v${m[1]}.${m[2]}` : 'Alpine';
    }
    case 'debian': {
      const major = /^(\d+)/.exec(rel)?.[1] ?? DEBIAN_CODENAMES[rel];
      return major ? `Debian:${major}` : 'Debian';
    }
    case 'ubuntu': {
      const m = /^(\d+)\.(\d+)/.exec(rel);
      const version = m ? `${m[1]}.${m[2]}` : UBUNTU_CODENAMES[rel];
      if (!version) return 'Ubuntu';
      const [yy, mm] = version.split('.');
      // OSV requires the :LTS suffix on LTS releases (even years, April).
      return Number(yy) % 2 === 0 && mm === '04' ? `Ubuntu:${version}:LTS` : `Ubuntu:${version}`;
    }
    case 'wolfi':
      return 'Wolfi';
    case 'chainguard':
      return 'Chainguard';
    case 'minimos':
      return 'MinimOS';
    default:
      return '';
  }
}

const LANGUAGE_ECOSYSTEMS: Readonly<Record<string, string>> = {
  npm: 'npm', pypi: 'PyPI', golang: 'Go', maven: 'Maven', cargo: 'crates.io', gem: 'RubyGems',
  nuget: 'NuGet', composer: 'Packagist', hex: 'Hex', pub: 'Pub', bitnami: 'Bitnami', conan: 'ConanCenter',
  cran: 'CRAN', hackage: 'Hackage', k8s: 'Kubernetes',
};

/**
 * OSV ecosystem of a purl. For apk/deb the namespace names the distro and the `distro` qualifier
 * its release, written by different tools as `alpine-3.19.1`, `3.19.1`, `debian-12` or `focal`.
 */
export function purlEcosystem(type: string, namespace: string | undefined, distroQualifier: string | undefined): string {
  if (type === 'apk' || type === 'deb') {
    if (!namespace) return '';
    const ns = namespace.toLowerCase();
    const release = distroQualifier?.toLowerCase().startsWith(`${ns}-`)
      ? distroQualifier.slice(ns.length + 1)
      : distroQualifier;
    return distroEcosystem(ns, release);
  }
  return LANGUAGE_ECOSYSTEMS[type] ?? '';
}
