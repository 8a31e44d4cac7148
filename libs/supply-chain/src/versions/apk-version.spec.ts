import { apkComparator, apkFuzzyMatch } from './apk-version';
import { readSharedTsv } from './shared-test-data';

const OP: Record<string, number> = { '<': -1, '=': 0, '>': 1 };

function comparisonFailures(file: string): string[] {
  const failures: string[] = [];
  for (const { line, cells } of readSharedTsv(file)) {
    const [left, op, right] = cells;
    if (!(op in OP)) continue;
    const got = apkComparator.compare(left, right);
    const back = apkComparator.compare(right, left);
    if (got !== OP[op] || back !== -OP[op]) failures.push(`${file}:${line} ${left} ${op} ${right} (got ${got}, reverse ${back})`);
  }
  return failures;
}

describe('apk comparator', () => {
  it.each([
    'versions/apk-tools-version.tsv',
    'versions/osv-scalibr-alpine-versions.tsv',
    'versions/osv-scalibr-alpine-versions-generated.part-A.tsv',
  ])('passes every comparison vector in %s', (file) => {
    expect(comparisonFailures(file)).toEqual([]);
  });

  it('passes the fuzzy-match vectors of apk-tools', () => {
    const failures: string[] = [];
    let checked = 0;
    for (const { line, cells } of readSharedTsv('versions/apk-tools-version.tsv')) {
      const [left, op, right] = cells;
      if (op in OP) continue;
      checked++;
      const fuzzy = apkFuzzyMatch(left, right);
      const cmp = apkComparator.compare(left, right);
      const ok =
        op === '~' ? fuzzy : op === '!~' ? !fuzzy : op === '<~' ? fuzzy || cmp < 0 : op === '>~' ? fuzzy || cmp > 0 : false;
      if (!ok) failures.push(`${line}: ${left} ${op} ${right}`);
    }
    expect(checked).toBe(16);
    expect(failures).toEqual([]);
  });

  it('agrees with apk-tools on validity', () => {
    const rows = readSharedTsv('versions/apk-tools-version-validity.tsv');
    expect(rows.length).toBe(31);
    const failures = rows
      .filter(({ cells: [v, verdict] }) => apkComparator.isValid(v) !== (verdict === 'valid'))
      .map(({ line, cells }) => `${line}: "${cells[0]}" should be ${cells[1]}`);
    expect(failures).toEqual([]);
  });
});
