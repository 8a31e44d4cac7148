/**
 * One package found in an image or an SBOM, normalised so that SBOM parsers and
 * image catalogers produce the same shape and the OSV matcher can use it directly.
 */
export interface SbomPackage {
  /** Ecosystem name: npm `@scope/name`, Go module path, Maven `group:artifact`, PEP 503-normalised PyPI name. */
  name: string;
  version: string;
  /** Canonical purl (as printed by packageurl-js: qualifiers sorted, components normalised). */
  purl: string;
  /**
   * OSV ecosystem string, e.g. `Alpine:v3.19`, `Debian:12`, `Ubuntu:22.04:LTS`, `Wolfi`, `npm`, `PyPI`, `Go`.
   * A bare distro name (`Alpine`, `Debian`) means the release is unknown; `''` means the purl type has
   * no OSV ecosystem (pkg:generic, pkg:github, apk/deb of an unknown distro) and cannot be matched.
   */
  ecosystem: string;
  /** purl type: apk, deb, npm, pypi, golang, maven, … */
  type: string;
  /** Source package (apk origin, dpkg Source:, purl `upstream=`); absent when the data does not say. */
  sourceName?: string;
  /** Source version when the data gives one that may differ from `version` (dpkg `Source: x (1.2-3)`). */
  sourceVersion?: string;
  /** License names or SPDX expressions, as declared. */
  licenses?: string[];
}

export type SbomFormat = 'spdx' | 'cyclonedx';

/** A component the parser saw but could not turn into a package, and why. */
export interface SkippedComponent {
  /** JSON path in the document, e.g. `packages[3]` or `components[1].components[0]`. */
  path: string;
  name?: string;
  reason: string;
}

export interface ParsedSbom {
  format: SbomFormat;
  /** `2.3` for SPDX-2.3, `1.5` for CycloneDX 1.5. */
  specVersion: string;
  name?: string;
  packages: SbomPackage[];
  skipped: SkippedComponent[];
}

/** OSV matching uses the source package for distro ecosystems; these give the fallbacks in one place. */
export function sourceNameOf(pkg: SbomPackage): string {
  return pkg.sourceName ?? pkg.name;
}

export function sourceVersionOf(pkg: SbomPackage): string {
  return pkg.sourceVersion ?? pkg.version;
}
