import { dpkgComparator } from './dpkg-version';
import { pep440Comparator } from './pep440-version';
import { goComparator, npmComparator, semverComparator } from './semver-version';
import { readSharedTsv } from './shared-test-data';
import { VersionComparator } from './version-comparator';

const OP: Record<string, number> = { '<': -1, '=': 0, '>': 1 };

/** Checks compare(l, r) and its mirror for every `left op right` row of a vector file. */
function failures(file: string, cmp: VersionComparator): { checked: number; failed: string[] } {
  const failed: string[] = [];
  let checked = 0;
  for (const { line, cells } of readSharedTsv(file)) {
    const [left, op, right] = cells;
    if (!(op in OP)) throw new Error(`${file}:${line}: unexpected operator ${op}`);
    checked++;
    const got = cmp.compare(left, right);
    const back = cmp.compare(right, left);
    if (got !== OP[op] || back !== -OP[op]) failed.push(`${line}: ${left} ${op} ${right} (got ${got}, reverse ${back})`);
  }
  return { checked, failed };
}

describe.each<[string, VersionComparator, number]>([
  ['versions/osv-scalibr-debian-versions.tsv', dpkgComparator, 30],
  ['versions/osv-scalibr-debian-versions-generated.part-A.tsv', dpkgComparator, 9628],
  ['versions/osv-scalibr-semver-versions.tsv', semverComparator, 86],
  ['versions/node-semver-comparisons.tsv', npmComparator, 31],
  ['versions/osv-scalibr-pypi-versions.tsv', pep440Comparator, 37],
  ['versions/osv-scalibr-pypi-versions-generated.part-A.tsv', pep440Comparator, 8250],
  ['versions/pypa-packaging-VERSIONS-ordered.tsv', pep440Comparator, 91],
])('%s', (file, cmp, rows) => {
  it(`orders all ${rows} vectors with the ${cmp.scheme} comparator`, () => {
    const { checked, failed } = failures(file, cmp);
    expect(failed).toEqual([]);
    expect(checked).toBe(rows);
  });
});

describe('Go versions', () => {
  it('strips the v prefix and orders pseudo-versions by SemVer precedence', () => {
    expect(goComparator.compare('v1.2.3', '1.2.3')).toBe(0);
    expect(goComparator.compare('v0.0.0-20191109021931-daa7c04131f5', 'v0.0.0-20200101000000-aaaaaaaaaaaa')).toBe(-1);
    expect(goComparator.compare('v1.2.4-0.20191109021931-daa7c04131f5', '1.2.3')).toBe(1);
    expect(goComparator.compare('v1.2.4-0.20191109021931-daa7c04131f5', '1.2.4')).toBe(-1);
    expect(goComparator.compare('v2.0.0+incompatible', '2.0.0')).toBe(0);
  });

  it('reads toolchain versions as OSV writes them', () => {
    expect(goComparator.compare('go1.21.3', '1.21.3')).toBe(0);
    expect(goComparator.compare('go1.22rc1', '1.22.0-0')).toBe(1);
    expect(goComparator.compare('go1.22rc1', '1.22.0')).toBe(-1);
    expect(goComparator.isValid('v1.2.3')).toBe(true);
    expect(goComparator.isValid('latest')).toBe(false);
  });
});

describe('validity', () => {
  it('dpkg follows parseversion', () => {
    expect(dpkgComparator.isValid('1:2.30-1+deb12u1')).toBe(true);
    expect(dpkgComparator.isValid('2.7.4+reloaded2-13ubuntu1')).toBe(true);
    expect(dpkgComparator.isValid('a1.0')).toBe(false);
    expect(dpkgComparator.isValid('x:1.0')).toBe(false);
    expect(dpkgComparator.isValid('1.0-')).toBe(false);
    expect(dpkgComparator.isValid('')).toBe(false);
  });

  it('npm is strict SemVer, PEP 440 rejects legacy versions', () => {
    expect(npmComparator.isValid('1.2.3-beta.1')).toBe(true);
    expect(npmComparator.isValid('1.2')).toBe(false);
    expect(pep440Comparator.isValid('1.0.post1')).toBe(true);
    expect(pep440Comparator.isValid('0.1-bulbasaur')).toBe(false);
  });

  it('never throws on garbage and keeps it below real versions', () => {
    for (const cmp of [dpkgComparator, npmComparator, pep440Comparator, goComparator]) {
      expect(cmp.compare('', '1.0.0')).toBe(-1);
      expect(cmp.compare('!!', '!!')).toBe(0);
    }
  });
});
