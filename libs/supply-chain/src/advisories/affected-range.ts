import { comparatorFor, goComparator, parseEcosystem, semverComparator, VersionComparator } from '../versions';
import { AffectedPackage, RangeEvent } from './advisory';

// OSV "Evaluation" (ossf/osv-schema docs/schema.md): a version is affected if
// it is listed in `versions` or lies in any SEMVER/ECOSYSTEM range. GIT ranges
// need a commit graph and are ignored for package matching.

export interface AffectedVerdict {
  affected: boolean;
  /** The first `fixed` after the version in the range that affects it. */
  fixedVersion?: string;
}

interface PreparedRange {
  cmp: VersionComparator;
  /** introduced/fixed/last_affected, sorted; `introduced: "0"` sorts first. */
  timeline: RangeEvent[];
  limits: string[];
}

/** An affected entry with events pre-sorted, so evaluation is a linear scan. */
export interface PreparedAffected {
  readonly source: AffectedPackage;
  evaluate(version: string): AffectedVerdict;
}

function rangeComparator(type: string, ecosystem: string): VersionComparator | undefined {
  if (type === 'SEMVER') return parseEcosystem(ecosystem).family === 'Go' ? goComparator : semverComparator;
  if (type === 'ECOSYSTEM') return comparatorFor(ecosystem);
  return undefined;
}

const isZeroIntroduced = (e: RangeEvent): boolean => e.kind === 'introduced' && e.version === '0';

function sortTimeline(events: RangeEvent[], cmp: VersionComparator): RangeEvent[] {
  // Stable sort: equal versions keep the record's order (e.g. `fixed: X` then `introduced: X`).
  return events
    .filter((e) => e.kind !== 'limit')
    .map((e, i) => ({ e, i }))
    .sort((x, y) => {
      const zx = isZeroIntroduced(x.e);
      const zy = isZeroIntroduced(y.e);
      if (zx || zy) return zx && zy ? x.i - y.i : zx ? -1 : 1;
      return cmp.compare(x.e.version, y.e.version) || x.i - y.i;
    })
    .map(({ e }) => e);
}

function inRange(r: PreparedRange, v: string): AffectedVerdict {
  // No limit means an implicit "*"; otherwise v must be below one of them.
  if (r.limits.length && !r.limits.some((l) => l === '*' || r.cmp.compare(v, l) < 0)) return { affected: false };
  let vulnerable = false;
  let next = r.timeline.length;
  for (let i = 0; i < r.timeline.length; i++) {
    const e = r.timeline[i];
    if (e.kind === 'introduced') {
      if (isZeroIntroduced(e) || r.cmp.compare(v, e.version) >= 0) vulnerable = true;
      else {
        next = i;
        break;
      }
    } else if (e.kind === 'fixed') {
      if (r.cmp.compare(v, e.version) >= 0) vulnerable = false;
      else {
        next = i;
        break;
      }
    } else if (e.kind === 'last_affected') {
      if (r.cmp.compare(v, e.version) > 0) vulnerable = false;
      else {
        next = i;
        break;
      }
    }
  }
  // Events are sorted, so every later event lies above v and cannot change the verdict.
  if (!vulnerable) return { affected: false };
  const fix = r.timeline.slice(next).find((e) => e.kind === 'fixed');
  return fix ? { affected: true, fixedVersion: fix.version } : { affected: true };
}

export function prepareAffected(affected: AffectedPackage): PreparedAffected {
  const ranges: PreparedRange[] = [];
  for (const range of affected.ranges) {
    const cmp = rangeComparator(range.type, affected.ecosystem);
    if (!cmp) continue;
    ranges.push({
      cmp,
      timeline: sortTimeline(range.events, cmp),
      limits: range.events.filter((e) => e.kind === 'limit').map((e) => e.version),
    });
  }
  const listed = new Set(affected.versions);
  const ecosystemCmp = comparatorFor(affected.ecosystem);

  function isListed(v: string): boolean {
    if (listed.has(v)) return true;
    // "1.0" and "1.0.0" are the same PyPI release; equality is the ecosystem's, not the string's.
    if (!ecosystemCmp || !ecosystemCmp.isValid(v)) return false;
    return affected.versions.some((x) => ecosystemCmp.isValid(x) && ecosystemCmp.compare(x, v) === 0);
  }

  function lowestFixAbove(v: string): string | undefined {
    let best: { version: string; cmp: VersionComparator } | undefined;
    for (const r of ranges) {
      for (const e of r.timeline) {
        if (e.kind !== 'fixed' || r.cmp.compare(e.version, v) <= 0) continue;
        if (!best || r.cmp.compare(e.version, best.version) < 0) best = { version: e.version, cmp: r.cmp };
      }
    }
    return best?.version;
  }

  return {
    source: affected,
    evaluate(version: string): AffectedVerdict {
      const v = version.trim();
      if (v === '') return { affected: false };
      for (const r of ranges) {
        const verdict = inRange(r, v);
        if (verdict.affected) return verdict;
      }
      if (isListed(v)) {
        const fixedVersion = lowestFixAbove(v);
        return fixedVersion === undefined ? { affected: true } : { affected: true, fixedVersion };
      }
      return { affected: false };
    },
  };
}

/** Whether `version` of the package is affected according to this `affected[]` entry. */
export function isAffected(affected: AffectedPackage, version: string): boolean {
  return prepareAffected(affected).evaluate(version).affected;
}

/** The version that fixes `version`, or undefined if it is unaffected or no fix is known. */
export function fixedVersionFor(affected: AffectedPackage, version: string): string | undefined {
  return prepareAffected(affected).evaluate(version).fixedVersion;
}
