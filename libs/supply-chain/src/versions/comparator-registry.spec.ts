import { comparatorFor, supportedEcosystemFamilies } from './comparator-registry';
import { parseEcosystem } from './ecosystem';
import { readSharedJson } from './shared-test-data';

describe('comparatorFor', () => {
  it.each([
    ['Alpine:v3.19', 'apk'],
    ['Wolfi', 'apk'],
    ['Chainguard', 'apk'],
    ['Debian:12', 'dpkg'],
    ['Ubuntu:22.04', 'dpkg'],
    ['Ubuntu:Pro:18.04:LTS', 'dpkg'],
    ['npm', 'npm'],
    ['Go', 'go'],
    ['PyPI', 'pep440'],
    ['crates.io', 'semver'],
  ])('%s uses %s ordering', (ecosystem, scheme) => {
    expect(comparatorFor(ecosystem)?.scheme).toBe(scheme);
  });

  it('returns undefined for ecosystems without a known ordering', () => {
    expect(comparatorFor('Maven')).toBeUndefined();
    expect(comparatorFor('NoSuchThing')).toBeUndefined();
  });

  it('only claims ecosystems the OSV schema defines', () => {
    const official = Object.keys(readSharedJson('osv-schema/ecosystems.json') as Record<string, string>);
    expect(supportedEcosystemFamilies().filter((f) => !official.includes(f))).toEqual([]);
  });

  it('orders versions per family, not per string', () => {
    // "1.0~rc1" is before "1.0" for dpkg, but invalid-after-valid for SemVer
    expect(comparatorFor('Debian:12')?.compare('1.0~rc1', '1.0')).toBe(-1);
    expect(comparatorFor('Alpine:v3.19')?.compare('1.2.3_rc1-r0', '1.2.3-r0')).toBe(-1);
    expect(comparatorFor('PyPI')?.compare('1.0rc1', '1.0')).toBe(-1);
  });
});

describe('parseEcosystem', () => {
  it('splits family and release and normalises release spellings', () => {
    expect(parseEcosystem('Alpine:v3.19')).toEqual({ family: 'Alpine', release: 'v3.19' });
    expect(parseEcosystem('Alpine:3.19')).toEqual({ family: 'Alpine', release: 'v3.19' });
    expect(parseEcosystem('Ubuntu:22.04:LTS')).toEqual({ family: 'Ubuntu', release: '22.04' });
    expect(parseEcosystem('Ubuntu:Pro:18.04:LTS')).toEqual({ family: 'Ubuntu', release: 'Pro:18.04' });
    expect(parseEcosystem('Debian')).toEqual({ family: 'Debian' });
    expect(parseEcosystem('npm')).toEqual({ family: 'npm' });
  });
});
