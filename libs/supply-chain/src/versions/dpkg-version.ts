import { compareDigits, Ordering, VersionComparator } from './version-comparator';

// Debian policy §5.6.12 / dpkg lib/dpkg/version.c: [epoch:]upstream[-revision].

export interface DpkgVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

export function parseDpkgVersion(v: string): DpkgVersion {
  const s = v.trim();
  const colon = s.indexOf(':');
  const epoch = colon >= 0 ? s.slice(0, colon) : '0';
  const rest = colon >= 0 ? s.slice(colon + 1) : s;
  const hyphen = rest.lastIndexOf('-');
  return hyphen >= 0
    ? { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) }
    : { epoch, upstream: rest, revision: '' };
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

// '~' sorts before everything, even the end of the string; letters before other symbols.
function order(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (isAlpha(c)) return c.charCodeAt(0);
  if (c === '~') return -1;
  return c.charCodeAt(0) + 256;
}

/** dpkg's `verrevcmp`: alternating non-digit and digit runs. */
function verrevcmp(a: string, b: string): Ordering {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const ac = order(a[i]);
      const bc = order(b[j]);
      if (ac !== bc) return ac < bc ? -1 : 1;
      i++;
      j++;
    }
    const startA = i;
    const startB = j;
    while (isDigit(a[i])) i++;
    while (isDigit(b[j])) j++;
    const r = compareDigits(a.slice(startA, i) || '0', b.slice(startB, j) || '0');
    if (r !== 0) return r;
  }
  return 0;
}

export function compareDpkgVersions(a: string, b: string): Ordering {
  const x = parseDpkgVersion(a);
  const y = parseDpkgVersion(b);
  const e = compareDigits(/^\d+$/.test(x.epoch) ? x.epoch : '0', /^\d+$/.test(y.epoch) ? y.epoch : '0');
  if (e !== 0) return e;
  return verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision);
}

/** What `dpkg` itself accepts (parseversion), not merely what it can order. */
export function isValidDpkgVersion(v: string): boolean {
  if (v === '' || /\s/.test(v)) return false;
  const { epoch, upstream, revision } = parseDpkgVersion(v);
  if (!/^\d+$/.test(epoch)) return false;
  if (!/^\d[A-Za-z0-9.+~:-]*$/.test(upstream)) return false;
  if (v.includes('-') && !/^[A-Za-z0-9.+~]+$/.test(revision)) return false;
  return true;
}

export const dpkgComparator: VersionComparator = {
  scheme: 'dpkg',
  compare: compareDpkgVersions,
  isValid: isValidDpkgVersion,
};
