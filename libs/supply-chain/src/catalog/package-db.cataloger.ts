import type { SbomPackage } from '../sbom';
import { catalogApkInstalled } from './apk-installed.cataloger';
import { catalogDpkgStatus, catalogDpkgStatusD } from './dpkg-status.cataloger';
import { catalogNpmPackageJson } from './npm-package-json.cataloger';
import { parseOsRelease, type Distro } from './os-release.cataloger';
import { packageDbKind, type PackageDbKind } from './package-db-path.util';
import { catalogPythonMetadata } from './python-metadata.cataloger';

export interface ImageCatalog {
  distro?: Distro;
  /** OS packages first, then language packages; each file's packages in order; unique by purl. */
  packages: SbomPackage[];
  /** Package-database files that were read, by path. */
  files: string[];
}

const ORDER: readonly PackageDbKind[] = ['apk-installed', 'dpkg-status', 'dpkg-status-d', 'npm-package-json', 'python-metadata'];

/**
 * Runs the catalogers over a final filesystem view: normalised path (no leading slash) → content.
 * Paths that are not package databases are ignored, so a whole directory listing may be passed.
 */
export function catalogFileView(files: ReadonlyMap<string, Buffer | string>): ImageCatalog {
  const text = (path: string): string | undefined => {
    const data = files.get(path);
    return data === undefined ? undefined : data.toString();
  };
  const osReleasePath = ['etc/os-release', 'usr/lib/os-release'].find((p) => files.has(p));
  const distro = osReleasePath ? parseOsRelease(text(osReleasePath) ?? '') : undefined;

  const byKind = new Map<PackageDbKind, string[]>();
  for (const path of [...files.keys()].sort()) {
    const kind = packageDbKind(path);
    if (kind && kind !== 'os-release') byKind.set(kind, [...(byKind.get(kind) ?? []), path]);
  }

  const packages: SbomPackage[] = [];
  const seen = new Set<string>();
  const read: string[] = osReleasePath ? [osReleasePath] : [];
  for (const kind of ORDER) {
    for (const path of byKind.get(kind) ?? []) {
      read.push(path);
      for (const pkg of catalogOne(kind, text(path) ?? '', distro)) {
        if (seen.has(pkg.purl)) continue;
        seen.add(pkg.purl);
        packages.push(pkg);
      }
    }
  }
  return { ...(distro ? { distro } : {}), packages, files: read };
}

function catalogOne(kind: PackageDbKind, content: string, distro: Distro | undefined): SbomPackage[] {
  switch (kind) {
    case 'apk-installed':
      return catalogApkInstalled(content, distro);
    case 'dpkg-status':
      return catalogDpkgStatus(content, distro);
    case 'dpkg-status-d':
      return catalogDpkgStatusD(content, distro);
    case 'npm-package-json':
      return optional(catalogNpmPackageJson(content));
    case 'python-metadata':
      return optional(catalogPythonMetadata(content));
    default:
      return [];
  }
}

function optional(pkg: SbomPackage | undefined): SbomPackage[] {
  return pkg ? [pkg] : [];
}
