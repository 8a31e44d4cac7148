import { readSharedJson } from '../versions/shared-test-data';
import { parseOsvRecord, parseOsvRecordOrThrow } from './parse-osv';
import { sharedOsvRecordPaths } from './osv-test-records';

const minimal = { id: 'GHSA-aaaa-bbbb-cccc', modified: '2024-01-01T00:00:00Z' };
const withRange = (events: unknown[], type = 'ECOSYSTEM'): unknown => ({
  ...minimal,
  affected: [{ package: { ecosystem: 'npm', name: 'a' }, ranges: [{ type, events }] }],
});

describe('parseOsvRecord on the shared real records', () => {
  const paths = sharedOsvRecordPaths();

  it('finds all 23 records', () => expect(paths).toHaveLength(23));

  it.each(paths)('accepts %s', (p) => {
    const r = parseOsvRecord(readSharedJson(p));
    expect(r.ok ? 'ok' : r.error).toBe('ok');
  });

  it('rejects the wolfictl index file, which is not a record', () => {
    const r = parseOsvRecord(readSharedJson('osv/wolfi-chainguard/wolfictl/all.json'));
    expect(r).toEqual({ ok: false, error: '/: must be object' });
  });

  it('normalises a GHSA record: aliases, PEP 503 name, CVSS v3 score', () => {
    const a = parseOsvRecordOrThrow(readSharedJson('osv/pypi/GHSA-pq64-v7f5-gqh8.json'));
    expect(a.id).toBe('GHSA-pq64-v7f5-gqh8');
    expect(a.aliases).toEqual(['CVE-2021-27291']);
    expect(a.published).toBe('2021-03-29T16:33:03Z');
    expect(a.severity).toEqual({ level: 'high', score: 7.5, vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' });
    expect(a.affected).toEqual([
      {
        ecosystem: 'PyPI',
        name: 'pygments',
        ranges: [{ type: 'ECOSYSTEM', events: [{ kind: 'introduced', version: '1.1' }, { kind: 'fixed', version: '2.7.4' }] }],
        versions: [],
      },
    ]);
  });

  it('keeps upstream and related apart from aliases, and drops self-references', () => {
    const alpine = parseOsvRecordOrThrow(readSharedJson('osv/alpine/ALPINE-CVE-2025-26519.json'));
    expect(alpine.aliases).toEqual([]);
    expect(alpine.upstream).toEqual(['CVE-2025-26519']);
    expect(alpine.severity).toMatchObject({ level: 'high', score: 7.0 });
    expect(alpine.affected.map((x) => x.ecosystem)).toContain('Alpine:v3.17');
    const cga = parseOsvRecordOrThrow(readSharedJson('osv/wolfi-chainguard/wolfictl/CGA-6mjr-v678-c6gm.json'));
    expect(cga.related).toEqual(['CVE-2022-4450']);
    expect(cga.severity).toEqual({ level: 'unknown' });
  });

  it('takes the database label when there is no vector, and MODERATE means medium', () => {
    const noVector = { ...minimal, database_specific: { severity: 'MODERATE' } };
    expect(parseOsvRecordOrThrow(noVector).severity).toEqual({ level: 'medium', vector: 'MODERATE' });
    const c2qf = parseOsvRecordOrThrow(readSharedJson('osv/npm/GHSA-c2qf-rxjj-qqgw.json'));
    expect(c2qf.severity).toMatchObject({ level: 'medium', score: 5.3 });
  });

  it('reads CVSS v4 through the database label, else approximates', () => {
    const v4 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
    const labelled = { ...minimal, severity: [{ type: 'CVSS_V4', score: v4 }], database_specific: { severity: 'LOW' } };
    expect(parseOsvRecordOrThrow(labelled).severity).toEqual({ level: 'low', vector: v4 });
    const bare = { ...minimal, severity: [{ type: 'CVSS_V4', score: v4 }] };
    expect(parseOsvRecordOrThrow(bare).severity).toEqual({ level: 'critical', vector: v4 });
  });

  it('uses per-package severity (ecosystem_specific) when the record has none', () => {
    const r = parseOsvRecordOrThrow({
      ...minimal,
      affected: [{ package: { ecosystem: 'Debian:12', name: 'x' }, ecosystem_specific: { severity: 'high' } }],
    });
    expect(r.affected[0].severity).toEqual({ level: 'high', vector: 'high' });
    expect(r.severity.level).toBe('high');
  });
});

describe('parseOsvRecord rejects malformed records with the path of the fault', () => {
  it.each<[string, unknown, string]>([
    ['a non-object', [], '/: must be object'],
    ['a record without id', { modified: minimal.modified }, "/: must have required property 'id'"],
    ['a bad timestamp', { ...minimal, modified: 'yesterday' }, '/modified: invalid value "yesterday" (must be date-time)'],
    ['an unknown id prefix', { ...minimal, id: 'NOPE-1' }, '/id: invalid value "NOPE-1"'],
    ['an unknown top-level field', { ...minimal, bogus: 1 }, '/: unknown property "bogus"'],
    [
      'an unknown ecosystem',
      { ...minimal, affected: [{ package: { ecosystem: 'Nope', name: 'a' } }] },
      '/affected/0/package/ecosystem: invalid value "Nope"',
    ],
    ['a package without name', { ...minimal, affected: [{ package: { ecosystem: 'npm' } }] }, "/affected/0/package: must have required property 'name'"],
    ['a range without introduced', withRange([{ fixed: '1' }]), '/affected/0/ranges/0/events: events must contain an introduced object'],
    ['an event with two keys', withRange([{ introduced: '0', fixed: '1' }]), '/affected/0/ranges/0/events/0: an event must have exactly one of'],
    [
      'fixed and last_affected together',
      withRange([{ introduced: '0' }, { fixed: '1' }, { last_affected: '2' }]),
      '/affected/0/ranges/0: last_affected and fixed events are mutually exclusive',
    ],
    ['a GIT range with a short hash', withRange([{ introduced: 'abc123' }], 'GIT'), '/affected/0/ranges/0'],
    ['an unknown range type', withRange([{ introduced: '0' }], 'RANGE'), '/affected/0/ranges/0/type: "RANGE" is not one of GIT, SEMVER, ECOSYSTEM'],
    ['a bad CVSS vector', { ...minimal, severity: [{ type: 'CVSS_V3', score: 'high' }] }, '/severity/0/score: invalid value "high"'],
  ])('%s', (_label, record, expected) => {
    const r = parseOsvRecord(record);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(expected);
  });

  it('names the record in the thrown error', () => {
    expect(() => parseOsvRecordOrThrow({ ...minimal, modified: 'x' })).toThrow(
      'OSV record GHSA-aaaa-bbbb-cccc is invalid: /modified',
    );
  });
});
