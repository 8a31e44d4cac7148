import type { VersionComparator } from '@vigil/supply-chain';

export type Constraint = { op: '<' | '<=' | '>' | '>=' | '=' | '!='; version: string };

export class VersionRangeError extends Error {
  override readonly name = 'VersionRangeError';
}

const PART = /^(<=|>=|!=|==|<|>|=)?\s*(\S+)$/;

/**
 * A version range as written in a search: comma-separated constraints that
 * must all hold, e.g. `>=1.2.0,<1.3.0`, `<3.0.8-r0`, or a bare version (`=`).
 * Versions are compared with the ecosystem's own comparator.
 */
export function parseVersionRange(text: string): Constraint[] {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length > 8 || parts.some((p) => p === '')) throw new VersionRangeError('version: comma-separated constraints like ">=1.2.0,<1.3.0" (at most 8)');
  return parts.map((p) => {
    const m = PART.exec(p);
    if (!m) throw new VersionRangeError(`version: cannot read "${p}"`);
    const op = (m[1] === '==' ? '=' : (m[1] ?? '=')) as Constraint['op'];
    return { op, version: m[2] };
  });
}

export function satisfies(version: string, range: readonly Constraint[], cmp: VersionComparator): boolean {
  return range.every(({ op, version: bound }) => {
    const c = cmp.compare(version, bound);
    switch (op) {
      case '<':
        return c < 0;
      case '<=':
        return c <= 0;
      case '>':
        return c > 0;
      case '>=':
        return c >= 0;
      case '=':
        return c === 0;
      case '!=':
        return c !== 0;
    }
  });
}
