// Vigil's normalised view of an OSV record (ARCHITECTURE §2 Advisory / AffectedRange).

export type SeverityLevel = 'critical' | 'high' | 'medium' | 'low' | 'unknown';

export interface AdvisorySeverity {
  level: SeverityLevel;
  /** CVSS base score when one could be computed from a vector. */
  score?: number;
  /** The CVSS vector (or label) the level came from. */
  vector?: string;
}

export type RangeEventKind = 'introduced' | 'fixed' | 'last_affected' | 'limit';

export interface RangeEvent {
  kind: RangeEventKind;
  version: string;
}

export interface AffectedRange {
  type: 'ECOSYSTEM' | 'SEMVER' | 'GIT';
  repo?: string;
  events: RangeEvent[];
}

export interface AffectedPackage {
  /** OSV ecosystem string as written, e.g. `Alpine:v3.19`. */
  ecosystem: string;
  /** Package name as written (PyPI names are PEP 503-normalised). */
  name: string;
  purl?: string;
  ranges: AffectedRange[];
  versions: string[];
  /** Per-package severity when the record gives one (`affected[].severity` or `ecosystem_specific.severity`). */
  severity?: AdvisorySeverity;
}

export interface Advisory {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  /** Same vulnerability under other ids. */
  aliases: string[];
  /** Upstream vulnerabilities this one derives from (e.g. the CVE behind a distro advisory). */
  upstream: string[];
  /** Related but distinct vulnerabilities. */
  related: string[];
  summary?: string;
  severity: AdvisorySeverity;
  affected: AffectedPackage[];
}
