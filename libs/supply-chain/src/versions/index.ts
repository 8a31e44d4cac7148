export type { Ordering, VersionComparator } from './version-comparator';
export { apkComparator, apkFuzzyMatch, compareApkVersions, isValidApkVersion } from './apk-version';
export { compareDpkgVersions, dpkgComparator, isValidDpkgVersion, parseDpkgVersion } from './dpkg-version';
export type { DpkgVersion } from './dpkg-version';
export {
  compareSemverLoose,
  goComparator,
  normaliseGoVersion,
  npmComparator,
  parseLooseSemver,
  semverComparator,
} from './semver-version';
export { comparePep440Versions, isValidPep440Version, pep440Comparator } from './pep440-version';
export { DISTRO_FAMILIES, formatEcosystem, parseEcosystem, SOURCE_NAMED_FAMILIES } from './ecosystem';
export type { OsvEcosystem } from './ecosystem';
export { comparatorFor, supportedEcosystemFamilies } from './comparator-registry';
