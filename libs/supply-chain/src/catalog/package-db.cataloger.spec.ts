import { readdirSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseSbom, toCycloneDxJson, toSpdxJson, type SbomPackage } from '../sbom';
import { SHARED_DATA, sharedData } from '../sbom/shared-data.fixture';
import {
  catalogApkInstalled,
  catalogDpkgStatus,
  catalogDpkgStatusD,
  catalogFileView,
  catalogNpmPackageJson,
  catalogPythonMetadata,
  parseOsRelease,
  type Distro,
} from '.';

const text = (path: string): string => sharedData(`pkgdb/${path}`).toString();
const pairs = (packages: SbomPackage[]): string[] => packages.map((p) => `${p.name} ${p.version}`);
const alpine312 = parseOsRelease(text('apk/grype-match-coverage/etc/os-release')) as Distro;
const bionic: Distro = { id: 'ubuntu', versionId: '18.04', ecosystem: 'Ubuntu:18.04:LTS' };

// Counts and name/version pairs were read off the files by hand (grep -c '^P:', Status lines).
describe('apk installed databases', () => {
  it('derives the distro from os-release', () => {
    expect(alpine312).toEqual({ id: 'alpine', versionId: '3.12.0', prettyName: 'Alpine Linux v3.12', ecosystem: 'Alpine:v3.12' });
  });

  it('grype match-coverage rootfs (3 packages)', () => {
    const packages = catalogApkInstalled(text('apk/grype-match-coverage/lib/apk/db/installed'), alpine312);
    expect(pairs(packages)).toEqual(['libvncserver 0.9.9', 'ko 0.15.1', 'npm-apk-subpackage-with-false-positive 7.0.0']);
    expect(packages[0]).toEqual({
      name: 'libvncserver', version: '0.9.9', type: 'apk', ecosystem: 'Alpine:v3.12', sourceName: 'libvncserver',
      purl: 'pkg:apk/alpine/libvncserver@0.9.9?arch=x86_64&distro=alpine-3.12.0&upstream=libvncserver',
      licenses: ['GPL-2.0-or-later'],
    });
    expect(packages[2].sourceName).toBe('npm-apk-package-with-false-positive');
  });

  it('osv-scanner alpine 3.17 excerpt (1 package)', () => {
    expect(pairs(catalogApkInstalled(text('apk/osv-scanner-alpine-3.17-installed')))).toEqual(['apk-tools 2.12.10-r1']);
  });

  it('osv-scalibr installed (15 packages)', () => {
    const packages = catalogApkInstalled(text('apk/scalibr-alpine-installed'), alpine312);
    expect(packages).toHaveLength(15);
    expect(pairs(packages)).toEqual(expect.arrayContaining(['zlib 1.2.13-r1', 'musl 1.2.4-r0', 'ssl_client 1.36.0-r9']));
    expect(packages.find((p) => p.name === 'busybox-binsh')).toMatchObject({ sourceName: 'busybox', licenses: ['GPL-2.0-only'] });
    expect(packages.find((p) => p.name === 'ca-certificates-bundle')?.licenses).toEqual(['MPL-2.0', 'MIT']);
  });

  it('syft multiple-2 (14 packages)', () => {
    const packages = catalogApkInstalled(text('apk/syft-multiple-2-installed'));
    expect(packages).toHaveLength(14);
    expect(pairs(packages)).toEqual(expect.arrayContaining(['musl 1.2.3-r0', 'busybox 1.35.0-r17', 'libcrypto1.1 1.1.1q-r0']));
    // No os-release given: namespace and ecosystem say so rather than guess.
    expect(packages[0]).toMatchObject({ ecosystem: '', purl: expect.stringMatching(/^pkg:apk\/unknown\//) });
  });

  it('trivy database with an entry lacking V: (15 of 16 records)', () => {
    const packages = catalogApkInstalled(text('apk/trivy-apk-with-invalid-entry'), alpine312);
    expect(packages).toHaveLength(15);
    expect(packages.map((p) => p.name)).not.toContain('invalidPackageWithoutAVersion');
    expect(packages.find((p) => p.name === 'test')).toMatchObject({ version: '2.9.11_pre20061021-r2', sourceName: 'test-parent' });
    expect(packages.find((p) => p.name === 'ada-libs')?.licenses).toEqual(['Apache-2.0 OR MIT', 'MPL-2.0']);
    expect(packages.find((p) => p.name === 'musl-utils')?.licenses).toEqual(['MIT BSD GPL2+']);
  });
});

describe('dpkg status databases', () => {
  it('osv-scanner status (1 package)', () => {
    expect(pairs(catalogDpkgStatus(text('dpkg/osv-scanner-status')))).toEqual(['adduser 3.118']);
  });

  it('keeps only installed entries of the status file', () => {
    expect(pairs(catalogDpkgStatus(text('dpkg/scalibr-statusfield-status')))).toEqual(['wantinstall_installed 1.0']);
  });

  it('transitional package with a Source', () => {
    expect(catalogDpkgStatus(text('dpkg/scalibr-transitional-status'))).toEqual([
      expect.objectContaining({ name: 'iceweasel', version: '78.13.0esr-1~deb10u1', sourceName: 'firefox-esr' }),
    ]);
  });

  it('osv-scalibr valid status (7 packages, epochs, Source with version)', () => {
    const debian12: Distro = { id: 'debian', versionId: '12', ecosystem: 'Debian:12' };
    const packages = catalogDpkgStatus(text('dpkg/scalibr-valid-status'), debian12);
    expect(pairs(packages)).toEqual([
      'accountsservice 22.08.8-6', 'acl 2.3.1-3', 'adduser 3.131', 'admin-session 2023.06.26.c543406313-00',
      'attr 1:2.5.1-4', 'libacl1 2.3.1-3', 'util-linux-extra 2.38.1-5+b1',
    ]);
    expect(packages[6]).toEqual({
      name: 'util-linux-extra', version: '2.38.1-5+b1', type: 'deb', ecosystem: 'Debian:12',
      sourceName: 'util-linux', sourceVersion: '2.38.1-5',
      purl: 'pkg:deb/debian/util-linux-extra@2.38.1-5+b1?arch=amd64&distro=debian-12&upstream=util-linux%402.38.1-5',
    });
    expect(packages[5]).toMatchObject({ sourceName: 'acl' });
    expect(packages[5].sourceVersion).toBeUndefined();
  });

  it('trivy ubuntu 18.04 status (90 of 91 entries; git is deinstalled)', () => {
    const packages = catalogDpkgStatus(text('dpkg/trivy-ubuntu-18.04-status'), bionic);
    expect(packages).toHaveLength(90);
    expect(packages.map((p) => p.name)).not.toContain('git');
    expect(pairs(packages)).toEqual(expect.arrayContaining(['libc6 2.27-3ubuntu1', 'libpcre3 2:8.39-9', 'tar 1.29b-2']));
    expect(packages.find((p) => p.name === 'libustr-1.0-1')).toMatchObject({
      version: '1.0.4-3+b2', sourceName: 'ustr', sourceVersion: '1.0.4-3', ecosystem: 'Ubuntu:18.04:LTS',
    });
  });

  it('distroless status.d files: no Status means installed, a deinstall Status does not', () => {
    expect(pairs(catalogDpkgStatusD(text('dpkg/syft-status.d/multiple')))).toEqual(['tzdata 2020a-0+deb10u1', 'util-linux 2.33.1-0.1']);
    expect(pairs(catalogDpkgStatusD(text('dpkg/syft-status.d/deinstall')))).toEqual(['linux-image-6.14.0-1012-aws 6.14.0-1012.12~24.04.1']);
  });
});

describe('language package manifests', () => {
  it.each([
    ['grype-npm-6.14.6', 'npm 6.14.6', ['Artistic-2.0']],
    ['scalibr-accepts', 'accepts 1.3.8', ['MIT']],
    ['scalibr-undici', 'undici 5.28.3', ['MIT']],
    ['syft-cowsay', 'cowsay 1.4.0', ['MIT']],
  ])('npm %s', (dir, pair, licenses) => {
    const pkg = catalogNpmPackageJson(text(`npm/${dir}/package.json`));
    expect(pkg && `${pkg.name} ${pkg.version}`).toBe(pair);
    expect(pkg).toMatchObject({ ecosystem: 'npm', type: 'npm', licenses });
  });

  it('skips npm manifests without a name and private ones', () => {
    expect(catalogNpmPackageJson(text('npm/scalibr-acorn/package.json'))).toBeUndefined();
    expect(catalogNpmPackageJson(text('npm/trivy-lodash-private/package.json'))).toBeUndefined();
    expect(catalogNpmPackageJson('{"name": "@types/node", "version": "20.1.0"}')?.purl).toBe('pkg:npm/%40types/node@20.1.0');
    expect(catalogNpmPackageJson('not json')).toBeUndefined();
  });

  it.each([
    ['grype-Pygments-2.6.1.dist-info/METADATA', 'pygments 2.6.1', ['BSD License']],
    ['scalibr-egginfo/PKG-INFO', 'setuptools 57.4.0', undefined],
    ['scalibr-pip-22.2.2.dist-info/METADATA', 'pip 22.2.2', ['MIT']],
    ['trivy-distlib-0.3.1.dist-info/METADATA', 'distlib 0.3.1', ['Python license']],
    ['trivy-setuptools-51.3.3.dist-info/METADATA', 'setuptools 51.3.3', undefined],
  ])('python %s', (file, pair, licenses) => {
    const pkg = catalogPythonMetadata(text(`python/${file}`));
    expect(pkg && `${pkg.name} ${pkg.version}`).toBe(pair);
    expect(pkg).toMatchObject({ ecosystem: 'PyPI', type: 'pypi' });
    expect(pkg?.licenses).toEqual(licenses);
  });

  it('normalises Python names per PEP 503', () => {
    expect(catalogPythonMetadata('Metadata-Version: 2.1\nName: Zope.Interface_Extra\nVersion: 5.0\n\nbody')).toMatchObject({
      name: 'zope-interface-extra',
      purl: 'pkg:pypi/zope.interface-extra@5.0',
    });
  });
});

describe('catalogFileView over the shared pkgdb tree', () => {
  // The whole tree laid out at the paths an image would hold these files.
  const files = new Map<string, Buffer>();
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => (statSync(resolve(dir, name)).isDirectory() ? walk(resolve(dir, name)) : [resolve(dir, name)]));
  for (const file of walk(resolve(SHARED_DATA, 'pkgdb'))) {
    const rel = relative(resolve(SHARED_DATA, 'pkgdb'), file);
    const at = rel === 'apk/grype-match-coverage/etc/os-release' ? 'etc/os-release'
      : rel === 'apk/scalibr-alpine-installed' ? 'lib/apk/db/installed'
      : rel === 'dpkg/trivy-ubuntu-18.04-status' ? 'var/lib/dpkg/status'
      : rel.startsWith('dpkg/syft-status.d/') ? `var/lib/dpkg/status.d/${rel.split('/').pop()}`
      : rel.startsWith('npm/') ? `usr/lib/node_modules/${rel.split('/')[1]}/package.json`
      : rel === 'python/scalibr-egginfo/PKG-INFO' ? 'usr/lib/python3/site-packages/setuptools-57.4.0.egg-info/PKG-INFO'
      : rel.startsWith('python/') ? `usr/lib/python3/site-packages/${rel.slice('python/'.length)}`
      : `not/a/database/${rel}`;
    files.set(at, sharedData(`pkgdb/${rel}`));
  }
  const catalog = catalogFileView(files);

  it('reads every database, OS packages first, unique by purl', () => {
    expect(catalog.distro?.ecosystem).toBe('Alpine:v3.12');
    // 15 apk + 90 dpkg status + 3 status.d (util-linux differs in version from the status file's) + 4 npm + 5 python
    expect(catalog.packages).toHaveLength(15 + 90 + 3 + 4 + 5);
    expect(catalog.files).toHaveLength(1 + 1 + 1 + 2 + 6 + 5);
    expect(catalog.packages[0].type).toBe('apk');
    expect(catalog.packages[catalog.packages.length - 1].type).toBe('pypi');
  });

  it('round-trips cataloged packages through both SBOM formats', () => {
    for (const doc of [toSpdxJson(catalog.packages, { name: 'pkgdb' }), toCycloneDxJson(catalog.packages, { name: 'pkgdb' })]) {
      expect(parseSbom(JSON.stringify(doc)).packages).toEqual(catalog.packages);
    }
  });
});
