export type {
  Advisory,
  AdvisorySeverity,
  AffectedPackage,
  AffectedRange,
  RangeEvent,
  RangeEventKind,
  SeverityLevel,
} from './advisory';
export { approximateCvss4Level, cvss3BaseScore, levelForScore } from './cvss';
export { deriveSeverity, levelFromLabel, maxSeverity } from './severity';
export { normalisePackageName, normalisePypiName } from './package-name';
export { OsvRecordError, parseOsvRecord, parseOsvRecordOrThrow } from './parse-osv';
export type { ParseOsvResult } from './parse-osv';
export { OSV_SCHEMA } from './osv-schema';
export { fixedVersionFor, isAffected, prepareAffected } from './affected-range';
export type { AffectedVerdict, PreparedAffected } from './affected-range';
export { osvEcosystemFromPurl, osvPackageFromPurl } from './purl-ecosystem';
export type { PurlPackage } from './purl-ecosystem';
export { AdvisoryIndex } from './advisory-index';
export type { AdvisoryMatch, PackageQuery } from './advisory-index';
