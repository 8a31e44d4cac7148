import { AdvisorySeverity, SeverityLevel } from './advisory';
import { approximateCvss4Level, severityFromCvss3 } from './cvss';

export interface OsvSeverityEntry {
  type: string;
  score: string;
}

const LABELS: Record<string, SeverityLevel> = {
  critical: 'critical',
  high: 'high',
  important: 'high',
  moderate: 'medium',
  medium: 'medium',
  low: 'low',
  negligible: 'low',
  unimportant: 'low',
};

const RANK: Record<SeverityLevel, number> = { unknown: 0, low: 1, medium: 2, high: 3, critical: 4 };

export const UNKNOWN_SEVERITY: AdvisorySeverity = { level: 'unknown' };

/** A vendor label (`HIGH`, `MODERATE`, Ubuntu's `negligible`…) as a level, if recognised. */
export function levelFromLabel(label: unknown): SeverityLevel | undefined {
  return typeof label === 'string' ? LABELS[label.trim().toLowerCase()] : undefined;
}

function labelFrom(obj: unknown): string | undefined {
  if (obj && typeof obj === 'object' && 'severity' in obj) {
    const s = (obj as { severity: unknown }).severity;
    return typeof s === 'string' ? s : undefined;
  }
  return undefined;
}

/**
 * Severity of a record or one affected package. Preference: a CVSS v3 vector
 * (scored here), then CVSS v4 (the database's own label if any, otherwise an
 * approximation), then the database/ecosystem label, then Ubuntu's priority.
 */
export function deriveSeverity(
  entries: readonly OsvSeverityEntry[] | null | undefined,
  ...specifics: unknown[]
): AdvisorySeverity | undefined {
  const list = entries ?? [];
  const label = specifics.map(labelFrom).find((l) => levelFromLabel(l) !== undefined);

  for (const e of list.filter((x) => x.type === 'CVSS_V3')) {
    const s = severityFromCvss3(e.score);
    if (s) return s;
  }
  const v4 = list.find((x) => x.type === 'CVSS_V4');
  if (v4) {
    const level = levelFromLabel(label) ?? approximateCvss4Level(v4.score);
    return { level, vector: v4.score };
  }
  if (label !== undefined) return { level: levelFromLabel(label) ?? 'unknown', vector: label };
  const ubuntu = list.find((x) => x.type === 'Ubuntu');
  if (ubuntu) return { level: levelFromLabel(ubuntu.score) ?? 'unknown', vector: ubuntu.score };
  const v2 = list.find((x) => x.type === 'CVSS_V2');
  if (v2) return { level: 'unknown', vector: v2.score };
  return undefined;
}

/** The more severe of two severities (higher level, then higher score). */
export function maxSeverity(a: AdvisorySeverity, b: AdvisorySeverity): AdvisorySeverity {
  if (RANK[a.level] !== RANK[b.level]) return RANK[a.level] > RANK[b.level] ? a : b;
  return (b.score ?? -1) > (a.score ?? -1) ? b : a;
}

export function severityRank(level: SeverityLevel): number {
  return RANK[level];
}
