import { apkComparator } from './apk-version';
import { dpkgComparator } from './dpkg-version';
import { parseEcosystem } from './ecosystem';
import { pep440Comparator } from './pep440-version';
import { goComparator, npmComparator, semverComparator } from './semver-version';
import { VersionComparator } from './version-comparator';

const BY_FAMILY: Readonly<Record<string, VersionComparator>> = {
  // apk-based distributions
  Alpine: apkComparator,
  Wolfi: apkComparator,
  Chainguard: apkComparator,
  MinimOS: apkComparator,
  Alpaquita: apkComparator,
  'BellSoft Hardened Containers': apkComparator,
  // dpkg-based distributions
  Debian: dpkgComparator,
  Ubuntu: dpkgComparator,
  // language ecosystems
  npm: npmComparator,
  Go: goComparator,
  Kubernetes: goComparator,
  PyPI: pep440Comparator,
  'crates.io': semverComparator,
  SwiftURL: semverComparator,
};

/**
 * The comparator for an OSV ecosystem string (`Alpine:v3.19`, `Debian:12`, `npm`),
 * or undefined when Vigil does not know that ecosystem's ordering: callers then
 * fall back to the record's explicit `versions` list.
 */
export function comparatorFor(ecosystem: string): VersionComparator | undefined {
  return BY_FAMILY[parseEcosystem(ecosystem).family];
}

/** Families with a known ordering, for diagnostics and docs. */
export function supportedEcosystemFamilies(): string[] {
  return Object.keys(BY_FAMILY);
}
