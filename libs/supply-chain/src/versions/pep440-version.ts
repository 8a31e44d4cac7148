import * as pep440 from '@renovatebot/pep440';
import { compareBytes, Ordering, VersionComparator } from './version-comparator';

// PEP 440 via @renovatebot/pep440. Versions it rejects are ordered like
// packaging<22's LegacyVersion (setuptools' old scheme): before every PEP 440
// version, among themselves by a normalised key. Old PyPI releases such as
// pandas `0.3.0.beta` or `0.1-bulbasaur` exist in OSV `versions` lists.

const LEGACY_PART = /(\d+|[a-z]+|\.|-)/;
const LEGACY_REPLACE: Record<string, string> = { pre: 'c', preview: 'c', '-': 'final-', rc: 'c', dev: '@' };

export function legacyVersionKey(v: string): string[] {
  const parts: string[] = [];
  const raw = v.toLowerCase().split(LEGACY_PART);
  const mapped: string[] = [];
  for (const piece of raw) {
    const part = LEGACY_REPLACE[piece] ?? piece;
    if (!part || part === '.') continue;
    mapped.push(/^\d/.test(part) ? part.padStart(8, '0') : `*${part}`);
  }
  mapped.push('*final');
  for (const part of mapped) {
    if (part.startsWith('*')) {
      // a pre-release tag drops the "-" that preceded it
      if (part < '*final') while (parts.length && parts[parts.length - 1] === '*final-') parts.pop();
      // trailing zeros of a numeric series do not count
      while (parts.length && parts[parts.length - 1] === '00000000') parts.pop();
    }
    parts.push(part);
  }
  return parts;
}

function compareLegacy(a: string, b: string): Ordering {
  const x = legacyVersionKey(a);
  const y = legacyVersionKey(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const r = compareBytes(x[i], y[i]);
    if (r !== 0) return r;
  }
  return x.length === y.length ? 0 : x.length < y.length ? -1 : 1;
}

export function isValidPep440Version(v: string): boolean {
  return pep440.valid(v) !== null;
}

export function comparePep440Versions(a: string, b: string): Ordering {
  const va = isValidPep440Version(a);
  const vb = isValidPep440Version(b);
  if (va && vb) {
    const r = pep440.compare(a, b);
    return r < 0 ? -1 : r > 0 ? 1 : 0;
  }
  if (va !== vb) return va ? 1 : -1;
  return compareLegacy(a, b);
}

export const pep440Comparator: VersionComparator = {
  scheme: 'pep440',
  compare: comparePep440Versions,
  isValid: isValidPep440Version,
};
