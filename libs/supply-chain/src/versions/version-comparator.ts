/** -1, 0 or 1, like Array.prototype.sort expects but normalised. */
export type Ordering = -1 | 0 | 1;

/**
 * A total order over one ecosystem's version strings. `compare` never throws:
 * advisory data and SBOMs contain malformed versions, and a matcher that
 * crashes on one bad string would hide every other finding.
 */
export interface VersionComparator {
  /** Short scheme name, e.g. `apk`, `dpkg`, `semver`, `pep440`. */
  readonly scheme: string;
  compare(a: string, b: string): Ordering;
  isValid(v: string): boolean;
}

export function sign(n: number | bigint): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Compares two digit strings by numeric value without overflow. */
export function compareDigits(a: string, b: string): Ordering {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Byte-wise comparison (C `memcmp` then length), independent of locale. */
export function compareBytes(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}
