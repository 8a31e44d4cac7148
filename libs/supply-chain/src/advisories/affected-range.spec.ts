import { AffectedPackage, RangeEvent } from './advisory';
import { fixedVersionFor, isAffected } from './affected-range';

type RawEvent = Partial<Record<RangeEvent['kind'], string>>;
const ev = (events: RawEvent[]): RangeEvent[] =>
  events.map((e) => {
    const [kind, version] = Object.entries(e)[0] as [RangeEvent['kind'], string];
    return { kind, version };
  });

function pkg(ecosystem: string, ranges: [AffectedPackage['ranges'][number]['type'], RawEvent[]][], versions: string[] = []): AffectedPackage {
  return { ecosystem, name: 'p', ranges: ranges.map(([type, events]) => ({ type, events: ev(events) })), versions };
}

describe('OSV range evaluation', () => {
  it('introduced "0" with no fix affects every version', () => {
    const a = pkg('npm', [['SEMVER', [{ introduced: '0' }]]]);
    expect(['0.0.0', '1.0.0', '99.0.0-rc.1'].map((v) => isAffected(a, v))).toEqual([true, true, true]);
    expect(fixedVersionFor(a, '1.0.0')).toBeUndefined();
  });

  const twoWindows: RawEvent[] = [{ introduced: '1.0.0' }, { fixed: '1.0.2' }, { introduced: '3.0.0' }, { fixed: '3.2.5' }];
  it.each([
    ['0.9.9', false, undefined],
    ['1.0.0', true, '1.0.2'],
    ['1.0.1', true, '1.0.2'],
    ['1.0.2', false, undefined],
    ['2.5.0', false, undefined],
    ['3.2.4', true, '3.2.5'],
    ['3.2.5', false, undefined],
  ])('two windows: %s affected=%s fixed=%s', (v, affected, fixed) => {
    const a = pkg('npm', [['SEMVER', twoWindows]]);
    expect(isAffected(a, v)).toBe(affected);
    expect(fixedVersionFor(a, v)).toBe(fixed);
    // Events need not be sorted in the record.
    const shuffled = pkg('npm', [['SEMVER', [twoWindows[3], twoWindows[0], twoWindows[2], twoWindows[1]]]]);
    expect(isAffected(shuffled, v)).toBe(affected);
    expect(fixedVersionFor(shuffled, v)).toBe(fixed);
  });

  it('last_affected is inclusive and gives no fixed version', () => {
    const a = pkg('PyPI', [['ECOSYSTEM', [{ introduced: '0' }, { last_affected: '1.5' }]]]);
    expect(isAffected(a, '1.5.0')).toBe(true);
    expect(fixedVersionFor(a, '1.5')).toBeUndefined();
    expect(isAffected(a, '1.5.post1')).toBe(false);
    expect(isAffected(a, '1.6')).toBe(false);
  });

  it('limit bounds the range; "*" is infinity', () => {
    const bounded = pkg('npm', [['SEMVER', [{ introduced: '0' }, { limit: '2.0.0' }]]]);
    expect(isAffected(bounded, '1.9.9')).toBe(true);
    expect(isAffected(bounded, '2.0.0')).toBe(false);
    const open = pkg('npm', [['SEMVER', [{ introduced: '1.0.0' }, { limit: '*' }]]]);
    expect(isAffected(open, '7.0.0')).toBe(true);
  });

  it('introduced and fixed at the same version is an empty range (Chainguard "fixed: 0")', () => {
    expect(isAffected(pkg('Chainguard', [['ECOSYSTEM', [{ introduced: '0' }, { fixed: '0' }]]]), '2.0.13-r0')).toBe(false);
    expect(isAffected(pkg('npm', [['SEMVER', [{ introduced: '1.0.0' }, { fixed: '1.0.0' }]]]), '1.0.0')).toBe(false);
  });

  it('ignores GIT ranges but honours the versions list beside them', () => {
    const git: RawEvent[] = [{ introduced: '0' }, { fixed: '74ea7cf7a6a27a4eeb2ae24e162bcc942a6706d5' }];
    expect(isAffected(pkg('PyPI', [['GIT', git]]), '1.0')).toBe(false);
    expect(isAffected(pkg('PyPI', [['GIT', git]], ['1.0', '1.1']), '1.1')).toBe(true);
  });

  it('matches the versions list by ecosystem equality ("1.0" is PyPI 1.0.0) and reports the next fix', () => {
    const a = pkg('PyPI', [['GIT', [{ introduced: '0' }]], ['ECOSYSTEM', [{ introduced: '5.0' }, { fixed: '5.1' }]]], ['1.0']);
    expect(isAffected(a, '1.0.0')).toBe(true);
    expect(fixedVersionFor(a, '1.0.0')).toBe('5.1');
    expect(isAffected(a, '1.0.1')).toBe(false);
  });

  it('skips ECOSYSTEM ranges of ecosystems without a known ordering, still using versions', () => {
    const a = pkg('Maven', [['ECOSYSTEM', [{ introduced: '0' }]]], ['2.0']);
    expect(isAffected(a, '1.0')).toBe(false);
    expect(isAffected(a, '2.0')).toBe(true);
  });

  it('orders by the ecosystem: dpkg epochs, apk git snapshots, Go v-prefix', () => {
    const deb = pkg('Debian:12', [['ECOSYSTEM', [{ introduced: '0' }, { fixed: '1:2.0-1' }]]]);
    expect(isAffected(deb, '2.5-1')).toBe(true);
    expect(isAffected(deb, '1:2.0-1')).toBe(false);
    const apk = pkg('Alpine:v3.19', [['ECOSYSTEM', [{ introduced: '0.9.13' }, { fixed: '1.2.4_git20230717-r5' }]]]);
    expect(isAffected(apk, '1.2.4-r0')).toBe(true);
    expect(isAffected(apk, '1.2.4_git20230717-r4')).toBe(true);
    expect(isAffected(apk, '1.2.4_git20230717-r5')).toBe(false);
    expect(isAffected(apk, '0.9.12')).toBe(false);
    const go = pkg('Go', [['SEMVER', [{ introduced: '0' }, { fixed: '1.21.11' }, { introduced: '1.22.0-0' }, { fixed: '1.22.4' }]]]);
    expect(fixedVersionFor(go, 'go1.22.3')).toBe('1.22.4');
    expect(fixedVersionFor(go, 'go1.22rc1')).toBe('1.22.4');
    expect(fixedVersionFor(go, 'v1.21.0')).toBe('1.21.11');
    expect(isAffected(go, 'go1.21.11')).toBe(false);
  });

  it('a version matching nothing, or empty, is unaffected', () => {
    expect(isAffected(pkg('npm', []), '1.0.0')).toBe(false);
    expect(isAffected(pkg('npm', [['SEMVER', [{ introduced: '0' }]]]), '')).toBe(false);
  });
});
