import { apkComparator, npmComparator, pep440Comparator } from '@vigil/supply-chain';
import { parseVersionRange, satisfies, VersionRangeError } from './version-range';

describe('version ranges for package search', () => {
  it('reads comma-separated constraints and bare versions', () => {
    expect(parseVersionRange('>=1.2.0, <1.3.0')).toEqual([{ op: '>=', version: '1.2.0' }, { op: '<', version: '1.3.0' }]);
    expect(parseVersionRange('1.2.3')).toEqual([{ op: '=', version: '1.2.3' }]);
    expect(parseVersionRange('==2.0')).toEqual([{ op: '=', version: '2.0' }]);
  });

  it('compares with the ecosystem comparator, not as strings', () => {
    const range = parseVersionRange('>=1.2.0,<1.10.0');
    expect(satisfies('1.9.9', range, npmComparator)).toBe(true);
    expect(satisfies('1.10.0', range, npmComparator)).toBe(false);
    // apk: 1.2.3-r4 < 1.2.3-r6 (the ALPINE-CVE-2025-26519 fix for v3.17)
    expect(satisfies('1.2.3-r4', parseVersionRange('<1.2.3-r6'), apkComparator)).toBe(true);
    expect(satisfies('1.2.4-r0', parseVersionRange('<1.2.3-r6'), apkComparator)).toBe(false);
    // PEP 440: 1.0 == 1.0.0
    expect(satisfies('1.0.0', parseVersionRange('=1.0'), pep440Comparator)).toBe(true);
  });

  it('refuses what it cannot read', () => {
    expect(() => parseVersionRange('>=1,,<2')).toThrow(VersionRangeError);
    expect(() => parseVersionRange('>= 1 2')).toThrow(VersionRangeError);
    expect(() => parseVersionRange(Array(9).fill('<1').join(','))).toThrow(VersionRangeError);
  });
});
