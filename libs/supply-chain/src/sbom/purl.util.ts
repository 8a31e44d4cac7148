import { PackageURL } from 'packageurl-js';
import { normalizeLicenses } from './license-expression.util';
import { purlEcosystem } from './osv-ecosystem.util';
import type { SbomPackage } from './sbom-package.model';

// Types whose purl namespace is part of the package's name in its ecosystem.
const NAMESPACE_IN_NAME = new Set(['npm', 'golang', 'composer', 'github', 'k8s', 'swift', 'cocoapods']);

/** PEP 503: runs of `-`, `_`, `.` become one `-`, lower-cased; OSV stores PyPI names this way. */
export function normalizePypiName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** Parses a purl, or returns undefined for text that is not one (SBOMs in the wild carry junk here). */
export function parsePurl(text: string): PackageURL | undefined {
  let purl: PackageURL;
  try {
    purl = PackageURL.fromString(text);
  } catch {
    return undefined;
  }
  // Some writers encode the separator (`pkg:npm/%40gar%2Fpromisify`), hiding the namespace in the name.
  const slash = purl.name.lastIndexOf('/');
  if (!purl.namespace && slash > 0 && NAMESPACE_IN_NAME.has(purl.type)) {
    try {
      return new PackageURL(purl.type, purl.name.slice(0, slash), purl.name.slice(slash + 1), purl.version,
        purl.qualifiers, purl.subpath);
    } catch {
      return purl;
    }
  }
  return purl;
}

/** The package's name as its ecosystem (and OSV) spells it. */
export function purlPackageName(purl: PackageURL): string {
  if (purl.type === 'pypi') return normalizePypiName(purl.name);
  if (!purl.namespace) return purl.name;
  if (purl.type === 'maven') return `${purl.namespace}:${purl.name}`;
  return NAMESPACE_IN_NAME.has(purl.type) ? `${purl.namespace}/${purl.name}` : purl.name;
}

export type PurlResolution = { package: SbomPackage } | { reason: string };

/**
 * Turns a purl into a package. The purl is the identity: its version wins over `fallbackVersion`,
 * which only fills a purl written without one. Source package comes from the qualifiers different
 * tools use for it: `upstream=name[@version]` (syft, ours), `source=` (osv-scalibr deb), `origin=` (osv-scalibr apk).
 */
export function packageFromPurl(purl: PackageURL, fallbackVersion?: string, licenses?: string[]): PurlResolution {
  if (purl.type === 'oci') return { reason: 'container image, not a package' };
  let identity = purl;
  if (!purl.version) {
    if (!fallbackVersion) return { reason: 'no version' };
    try {
      identity = new PackageURL(purl.type, purl.namespace, purl.name, fallbackVersion, purl.qualifiers, purl.subpath);
    } catch {
      return { reason: 'version cannot be written into the purl' };
    }
  }
  const q = identity.qualifiers ?? {};
  const pkg: SbomPackage = {
    name: purlPackageName(identity),
    version: identity.version as string,
    purl: identity.toString(),
    ecosystem: purlEcosystem(identity.type, identity.namespace, q['distro']),
    type: identity.type,
  };
  const upstream = q['upstream'] ?? q['source'] ?? q['origin'];
  if (upstream) {
    const at = upstream.indexOf('@');
    pkg.sourceName = at > 0 ? upstream.slice(0, at) : upstream;
    if (at > 0 && at < upstream.length - 1) pkg.sourceVersion = upstream.slice(at + 1);
  }
  const normalized = normalizeLicenses(licenses);
  if (normalized) pkg.licenses = normalized;
  return { package: pkg };
}

/**
 * Builds a package from catalog data through the same purl path the SBOM parsers use, so a cataloged
 * package and the same package read back from our own SBOM are identical.
 */
export function buildPackage(
  type: string,
  namespace: string | undefined,
  name: string,
  version: string,
  qualifiers: Record<string, string | undefined>,
  licenses?: string[],
): SbomPackage | undefined {
  const defined = Object.fromEntries(Object.entries(qualifiers).filter((e): e is [string, string] => !!e[1]));
  let purl: PackageURL;
  try {
    purl = new PackageURL(type, namespace, name, version, Object.keys(defined).length ? defined : undefined);
  } catch {
    return undefined;
  }
  const resolved = packageFromPurl(purl, undefined, licenses);
  return 'package' in resolved ? resolved.package : undefined;
}
