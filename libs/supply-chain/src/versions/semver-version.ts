import * as semver from 'semver';
import { compareBytes, compareDigits, Ordering, VersionComparator } from './version-comparator';

// SemVer 2.0 §11 precedence, parsed leniently the way OSV tooling does:
// a leading `v`/`=`, missing minor/patch (= 0), and components past the third
// (treated as build metadata). Numbers compare as digit strings, so values
// beyond 2^53 still order correctly (node-semver rejects them).

interface LooseSemver {
  core: [string, string, string];
  prerelease: string[];
}

const LOOSE = /^[=v]*\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.[0-9.]*)?(?:-([0-9A-Za-z.-]*))?(?:\+.*)?$/i;

export function parseLooseSemver(v: string): LooseSemver | null {
  const m = LOOSE.exec(v.trim());
  if (!m) return null;
  return {
    core: [m[1], m[2] ?? '0', m[3] ?? '0'],
    prerelease: m[4] === undefined || m[4] === '' ? [] : m[4].split('.'),
  };
}

function compareIdentifiers(a: string, b: string): Ordering {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) return compareDigits(a, b);
  if (an) return -1; // numeric identifiers have lower precedence than alphanumeric ones
  if (bn) return 1;
  return compareBytes(a, b);
}

function comparePrerelease(a: string[], b: string[]): Ordering {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const r = compareIdentifiers(a[i], b[i]);
    if (r !== 0) return r;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function compareSemverLoose(a: string, b: string): Ordering {
  const x = parseLooseSemver(a);
  const y = parseLooseSemver(b);
  // Unparseable versions sort before every real one, and among themselves bytewise.
  if (!x || !y) return !x && !y ? compareBytes(a, b) : !x ? -1 : 1;
  for (let i = 0; i < 3; i++) {
    const r = compareDigits(x.core[i], y.core[i]);
    if (r !== 0) return r;
  }
  return comparePrerelease(x.prerelease, y.prerelease);
}

/** Plain SemVer 2.0 (OSV `SEMVER` ranges, crates.io, …). */
export const semverComparator: VersionComparator = {
  scheme: 'semver',
  compare: compareSemverLoose,
  isValid: (v) => semver.valid(v) !== null,
};

/** npm: node-semver validity (strict, as the registry enforces). */
export const npmComparator: VersionComparator = {
  scheme: 'npm',
  compare: compareSemverLoose,
  isValid: (v) => semver.valid(v) !== null,
};

/**
 * Go module versions (`v1.2.3`, pseudo-versions `v0.0.0-20191109021931-daa7c04131f5`,
 * `+incompatible`) and toolchain versions (`go1.21.3`, `go1.22rc1`) as SemVer
 * without the prefix: OSV's Go records use bare SemVer (`1.22.0-0`).
 */
export function normaliseGoVersion(v: string): string {
  const s = v.trim();
  const toolchain = /^go(\d+)\.(\d+)(?:\.(\d+))?(?:(beta|rc)(\d+))?$/.exec(s);
  if (toolchain) {
    const [, major, minor, patch, pre, n] = toolchain;
    return `${major}.${minor}.${patch ?? '0'}${pre ? `-${pre}.${n}` : ''}`;
  }
  return s.replace(/^v/, '');
}

export const goComparator: VersionComparator = {
  scheme: 'go',
  compare: (a, b) => compareSemverLoose(normaliseGoVersion(a), normaliseGoVersion(b)),
  isValid: (v) => semver.valid(normaliseGoVersion(v)) !== null,
};
