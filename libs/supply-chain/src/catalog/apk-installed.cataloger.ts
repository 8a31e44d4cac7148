import { buildPackage, type SbomPackage } from '../sbom';
import { distroQualifier, type Distro } from './os-release.cataloger';

/**
 * Catalogs an apk database (`lib/apk/db/installed`, Alpine and Wolfi): blank-line separated
 * records of `X:value` lines; P name, V version, A arch, o origin (source package), L license.
 * Records without a name or version are skipped (apk would not have installed them).
 * Without a known distro the purl namespace is `unknown` and the ecosystem `''`.
 */
export function catalogApkInstalled(text: string, distro?: Distro): SbomPackage[] {
  const packages: SbomPackage[] = [];
  let record = new Map<string, string>();
  const flush = (): void => {
    const name = record.get('P');
    const version = record.get('V');
    if (name && version) {
      const license = record.get('L');
      const pkg = buildPackage(
        'apk',
        distro?.id ?? 'unknown',
        name,
        version,
        { arch: record.get('A'), distro: distroQualifier(distro), upstream: record.get('o') },
        license ? [license] : undefined,
      );
      if (pkg) packages.push(pkg);
    }
    record = new Map();
  };
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      flush();
    } else if (line[1] === ':' && !record.has(line[0])) {
      // File lines (F:, R:, Z:) repeat; identity fields appear once, before them.
      record.set(line[0], line.slice(2).trim());
    }
  }
  flush();
  return packages;
}
