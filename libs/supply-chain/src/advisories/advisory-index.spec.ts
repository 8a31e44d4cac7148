import { readSharedJson, readSharedText, readSharedTsv } from '../versions/shared-test-data';
import { Advisory } from './advisory';
import { AdvisoryIndex, AdvisoryMatch, PackageQuery } from './advisory-index';
import { loadSharedAdvisories } from './osv-test-records';
import { parseOsvRecordOrThrow } from './parse-osv';
import { osvPackageFromPurl } from './purl-ecosystem';

const index = AdvisoryIndex.from(loadSharedAdvisories());
const ids = (pkg: PackageQuery): string[] => index.match(pkg).map((m) => m.id);
const fixes = (pkg: PackageQuery): Record<string, string | undefined> =>
  Object.fromEntries(index.match(pkg).map((m) => [m.id, m.fixedVersion]));

describe('AdvisoryIndex over the shared OSV records (expectations derived from the records by hand)', () => {
  it('indexes all 23 records', () => expect(index.size).toBe(23));

  it('Alpine: matches by release and by source package', () => {
    // ALPINE-CVE-2025-26519, Alpine:v3.17: introduced 0.9.13, fixed 1.2.3-r6
    expect(fixes({ name: 'musl', version: '1.2.3-r4', ecosystem: 'Alpine:v3.17' })).toEqual({ 'ALPINE-CVE-2025-26519': '1.2.3-r6' });
    expect(ids({ name: 'musl-utils', sourceName: 'musl', version: '1.2.3-r4', ecosystem: 'Alpine:v3.17' })).toEqual([
      'ALPINE-CVE-2025-26519',
    ]);
    // without the source name a binary package cannot meet a source-named advisory
    expect(ids({ name: 'musl-utils', version: '1.2.3-r4', ecosystem: 'Alpine:v3.17' })).toEqual([]);
    // Alpine:v3.16 was fixed in 1.2.3-r4 already
    expect(ids({ name: 'musl', version: '1.2.3-r4', ecosystem: 'Alpine:v3.16' })).toEqual([]);
    // Alpine:v3.19: fixed 1.2.4_git20230717-r5
    expect(fixes({ name: 'musl', version: '1.2.4_git20230717-r4', ecosystem: 'Alpine:v3.19' })).toEqual({
      'ALPINE-CVE-2025-26519': '1.2.4_git20230717-r5',
    });
    expect(ids({ name: 'musl', version: '1.2.4_git20230717-r5', ecosystem: 'Alpine:v3.19' })).toEqual([]);
    // below introduced 0.9.13, and a release the record does not mention
    expect(ids({ name: 'musl', version: '0.9.12-r0', ecosystem: 'Alpine:v3.17' })).toEqual([]);
    expect(ids({ name: 'musl', version: '1.2.3-r4', ecosystem: 'Alpine:v3.15' })).toEqual([]);
  });

  it('a package of unknown release meets every release and gets the highest fix among them', () => {
    // releases v3.17..v3.24 are affected at 1.2.3-r4 (v3.16 fixed it in -r4); the highest fix is 1.2.5-r10
    expect(fixes({ name: 'musl', version: '1.2.3-r4', ecosystem: 'Alpine' })).toEqual({ 'ALPINE-CVE-2025-26519': '1.2.5-r10' });
  });

  it('carries id, upstream, severity and the package in a match', () => {
    const [m] = index.match({ name: 'musl', version: '1.2.3-r4', ecosystem: 'Alpine:v3.17', purl: 'pkg:apk/alpine/musl@1.2.3-r4' });
    expect(m).toEqual<AdvisoryMatch>({
      id: 'ALPINE-CVE-2025-26519',
      aliases: [],
      upstream: ['CVE-2025-26519'],
      severity: { level: 'high', score: 7.0, vector: 'CVSS:3.1/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:H/A:H' },
      package: { name: 'musl', version: '1.2.3-r4', ecosystem: 'Alpine:v3.17', purl: 'pkg:apk/alpine/musl@1.2.3-r4' },
      fixedVersion: '1.2.3-r6',
    });
  });

  it('Wolfi / Chainguard: each family only meets its own entries', () => {
    expect(fixes({ name: 'openssl', version: '3.0.7-r0', ecosystem: 'Wolfi' })).toEqual({ 'CGA-6mjr-v678-c6gm': '3.0.8-r0' });
    expect(ids({ name: 'libssl3', version: '3.0.8-r0', ecosystem: 'Wolfi' })).toEqual([]);
    // CGA-37qj lists brotli for Chainguard only
    expect(ids({ name: 'brotli', version: '1.0.8-r0', ecosystem: 'Chainguard' })).toEqual(['CGA-37qj-pjrf-fmrw']);
    expect(ids({ name: 'brotli', version: '1.0.8-r0', ecosystem: 'Wolfi' })).toEqual([]);
    // two distinct vulnerabilities (different related GHSAs), both fixed in 0.13.0-r3
    expect(fixes({ name: 'ko', version: '0.13.0-r2', ecosystem: 'Wolfi' })).toEqual({
      'CGA-5f5c-53mg-6p2v': '0.13.0-r3',
      'CGA-gg4h-ppqq-vf35': '0.13.0-r3',
    });
    // "fixed: 0" means never affected
    expect(ids({ name: 'syncthing-compat', version: '2.0.13-r0', ecosystem: 'Chainguard' })).toEqual([]);
    expect(fixes({ name: 'syncthing', version: '2.0.13-r0', ecosystem: 'Chainguard' })).toEqual({ 'CGA-xcpc-gm23-prj9': '2.0.14-r1' });
    // haproxy-3.0 is listed for Wolfi only; CVSS 9.1 -> critical
    const [h] = index.match({ name: 'haproxy-3.0', version: '3.0.9-r0', ecosystem: 'Wolfi' });
    expect(h).toMatchObject({ id: 'CGA-224q-ccj5-2p53', fixedVersion: '3.0.10-r0', severity: { level: 'critical', score: 9.1 } });
    expect(ids({ name: 'haproxy-3.0', version: '3.0.9-r0', ecosystem: 'Chainguard' })).toEqual([]);
  });

  it('Wolfi: a subpackage found by name and by origin is reported once', () => {
    expect(ids({ name: 'libcrypto3', sourceName: 'openssl', version: '3.0.7-r1', ecosystem: 'Wolfi' })).toEqual(['CGA-6mjr-v678-c6gm']);
  });

  it('Go: modules and the standard library, with v prefixes and pseudo-versions', () => {
    expect(fixes({ name: 'stdlib', version: 'go1.22.3', ecosystem: 'Go' })).toEqual({ 'GO-2024-2887': '1.22.4' });
    expect(fixes({ name: 'stdlib', version: 'go1.19.3', ecosystem: 'Go' })).toEqual({ 'GO-2022-1144': '1.19.4', 'GO-2024-2887': '1.21.11' });
    expect(fixes({ name: 'golang.org/x/net', version: 'v0.3.0', ecosystem: 'Go' })).toEqual({ 'GO-2022-1144': '0.4.0' });
    expect(ids({ name: 'github.com/gogo/protobuf', version: 'v1.3.1', ecosystem: 'Go' })).toEqual(['GO-2021-0053']);
    expect(ids({ name: 'github.com/gogo/protobuf', version: 'v1.3.2', ecosystem: 'Go' })).toEqual([]);
    expect(ids({ name: 'golang.org/x/image', version: 'v0.0.0-20190802002840-cff245a6509b', ecosystem: 'Go' })).toEqual(['GO-2024-2937']);
    expect(ids({ name: 'github.com/ipfs/go-bitfield', version: 'v1.1.0', ecosystem: 'Go' })).toEqual([]);
  });

  it('npm: one record, several affected entries for one package', () => {
    expect(fixes({ name: 'semver', version: '7.5.1', ecosystem: 'npm' })).toEqual({ 'GHSA-c2qf-rxjj-qqgw': '7.5.2' });
    expect(fixes({ name: 'semver', version: '5.7.1', ecosystem: 'npm' })).toEqual({ 'GHSA-c2qf-rxjj-qqgw': '5.7.2' });
    expect(ids({ name: 'semver', version: '6.3.1', ecosystem: 'npm' })).toEqual([]);
    expect(fixes({ name: 'ansi-regex', version: '4.1.0', ecosystem: 'npm' })).toEqual({ 'GHSA-93q8-gq69-wqmw': '4.1.1' });
    expect(ids({ name: 'ansi-regex', version: '2.1.1', ecosystem: 'npm' })).toEqual([]);
  });

  it('PyPI: names are PEP 503-normalised on both sides', () => {
    for (const name of ['Pygments', 'pygments', 'PYGMENTS']) {
      expect(fixes({ name, version: '2.6.1', ecosystem: 'PyPI' })).toEqual({ 'GHSA-pq64-v7f5-gqh8': '2.7.4' });
    }
    for (const name of ['Flask_Cors', 'flask.cors', 'FLASK--cors']) {
      expect(ids({ name, version: '3.0.8', ecosystem: 'PyPI' })).toEqual(['PYSEC-2020-43']);
    }
    // pandas 0.3.0.beta is a legacy version below every range bound
    expect(ids({ name: 'pandas', version: '0.3.0.beta', ecosystem: 'PyPI' })).toEqual(['PYSEC-2020-73']);
    expect(ids({ name: 'urllib3', version: '1.25.9', ecosystem: 'PyPI' })).toEqual([]);
  });

  it('derives the ecosystem from the purl when none is given', () => {
    expect(ids({ name: 'ansi-html', version: '0.0.7', ecosystem: '', purl: 'pkg:npm/ansi-html@0.0.7' })).toEqual(['GHSA-whgm-jr23-g3j9']);
  });
});

describe('osv-scanner offline scenarios (expected-matches.tsv)', () => {
  const rows = readSharedTsv('expected/osv-scanner-offline/expected-matches.tsv').map(({ cells }) => ({
    scenario: cells[0],
    input: cells[1],
    ecosystem: cells[2],
    pkg: cells[3].split(' ')[0],
    version: cells[4],
    id: cells[5],
    fixed: cells[6],
  }));

  function packagesOf(input: string): PackageQuery[] {
    if (input.endsWith('.cdx.json')) {
      const bom = readSharedJson(input.startsWith('sbom/') ? input : `sbom/${input}`) as { components: { purl?: string; version?: string }[] };
      return bom.components
        .filter((c) => c.purl)
        .map((c) => {
          const p = osvPackageFromPurl(c.purl as string);
          return { name: p.name, version: p.version ?? c.version ?? '', ecosystem: p.ecosystem ?? '', ...(p.sourceName && { sourceName: p.sourceName }) };
        });
    }
    if (input.endsWith('requirements.txt')) {
      return readSharedText(input)
        .split('\n')
        .filter((l) => l.includes('=='))
        .map((l) => {
          const [name, version] = l.trim().split('==');
          return { name, version, ecosystem: 'PyPI' };
        });
    }
    const lock = readSharedJson(input) as { dependencies: Record<string, { version: string }> };
    return Object.entries(lock.dependencies).map(([name, d]) => ({ name, version: d.version, ecosystem: 'npm' }));
  }

  it.each(['A-alpine', 'B-pypi', 'C-npm'])('%s: exactly the expected matches', (scenario) => {
    const expected = rows.filter((r) => r.scenario === scenario);
    expect(expected.length).toBeGreaterThan(0);
    const actual = index
      .matchAll(packagesOf(expected[0].input))
      .map((m) => `${m.package.ecosystem} ${m.package.name} ${m.package.version} ${m.id} ${m.fixedVersion}`);
    expect(actual.sort()).toEqual(expected.map((r) => `${r.ecosystem} ${r.pkg} ${r.version} ${r.id} ${r.fixed}`).sort());
  });
});

describe('AdvisoryIndex semantics', () => {
  const record = (over: Record<string, unknown>): Advisory =>
    parseOsvRecordOrThrow({ id: 'DSA-0001-1', modified: '2024-01-01T00:00:00Z', ...over });
  const openssl = (ecosystem: string, fixed: string): unknown => ({
    package: { ecosystem, name: 'openssl' },
    ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }],
  });

  it('scopes distro advisories by release, and family-wide advisories match every release', () => {
    const idx = AdvisoryIndex.from([
      record({ id: 'DSA-0001-1', affected: [openssl('Debian:11', '1.1.1n-0+deb11u5')] }),
      record({ id: 'DSA-0002-1', affected: [openssl('Debian', '3.0.11-1~deb12u2')] }),
    ]);
    const libssl = { name: 'libssl3', sourceName: 'openssl', version: '3.0.9-1', ecosystem: 'Debian:12' };
    expect(idx.match(libssl).map((m) => [m.id, m.fixedVersion])).toEqual([['DSA-0002-1', '3.0.11-1~deb12u2']]);
    expect(idx.match({ ...libssl, sourceName: undefined })).toEqual([]);
    expect(idx.match({ ...libssl, ecosystem: 'Debian:11', version: '1.1.1n-0+deb11u4' }).map((m) => m.id)).toEqual([
      'DSA-0001-1',
      'DSA-0002-1',
    ]);
  });

  it('merges records that alias each other into one match with all aliases and the highest fix', () => {
    const range = (fixed: string): unknown[] => [
      { package: { ecosystem: 'PyPI', name: 'Django' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] },
    ];
    const idx = AdvisoryIndex.from([
      record({ id: 'PYSEC-2021-98', aliases: ['CVE-2021-33203', 'GHSA-68w8-qjq3-2gfm'], affected: range('2.2.24') }),
      record({
        id: 'GHSA-68w8-qjq3-2gfm',
        aliases: ['CVE-2021-33203'],
        severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:N/A:N' }],
        affected: range('2.2.25'),
      }),
      record({ id: 'GHSA-xxxx-yyyy-zzzz', aliases: ['CVE-2099-0001'], affected: range('9.0') }),
    ]);
    const matches = idx.match({ name: 'django', version: '1.11.29', ecosystem: 'PyPI' });
    expect(matches.map((m) => ({ id: m.id, aliases: m.aliases, fixedVersion: m.fixedVersion, level: m.severity.level }))).toEqual([
      { id: 'GHSA-68w8-qjq3-2gfm', aliases: ['CVE-2021-33203', 'PYSEC-2021-98'], fixedVersion: '2.2.25', level: 'medium' },
      { id: 'GHSA-xxxx-yyyy-zzzz', aliases: ['CVE-2099-0001'], fixedVersion: '9.0', level: 'unknown' },
    ]);
  });

  it('ignores withdrawn records and lets a newer copy replace an older one', () => {
    const base = { id: 'GHSA-aaaa-bbbb-cccc', affected: [{ package: { ecosystem: 'npm', name: 'x' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.0' }] }] }] };
    const idx = AdvisoryIndex.from([record(base)]);
    const q = { name: 'x', version: '0.5.0', ecosystem: 'npm' };
    expect(idx.match(q)).toHaveLength(1);
    idx.add(record({ ...base, modified: '2024-02-01T00:00:00Z', affected: [{ ...base.affected[0], ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '0.5.0' }] }] }] }));
    expect(idx.match(q)).toEqual([]);
    idx.add(record(base)); // an older copy arriving late does not win
    expect(idx.match(q)).toEqual([]);
    idx.add(record({ ...base, modified: '2024-03-01T00:00:00Z' }));
    expect(idx.match(q)).toHaveLength(1);
    idx.add(record({ ...base, modified: '2024-04-01T00:00:00Z', withdrawn: '2024-04-01T00:00:00Z' }));
    expect(idx.match(q)).toEqual([]);
    expect(idx.size).toBe(0);
  });

  it('answers a thousand-package SBOM against thousands of advisories', () => {
    const many: Advisory[] = [];
    for (let i = 0; i < 5000; i++) {
      many.push(record({ id: `GHSA-${i}`, affected: [{ package: { ecosystem: 'npm', name: `pkg-${i % 2000}` }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: `${i % 7}.0.0` }] }] }] }));
    }
    const idx = AdvisoryIndex.from(many);
    const sbom = Array.from({ length: 1000 }, (_, i) => ({ name: `pkg-${i}`, version: '3.1.0', ecosystem: 'npm' }));
    const matches = idx.matchAll(sbom);
    // pkg-i is named by advisories i, i+2000, i+4000 (< 5000); affected when fixed major > 3
    const expected = sbom.flatMap((_, i) => [i, i + 2000, i + 4000].filter((n) => n < 5000 && n % 7 > 3));
    expect(matches.map((m) => m.id).sort()).toEqual(expected.map((n) => `GHSA-${n}`).sort());
  });
});
