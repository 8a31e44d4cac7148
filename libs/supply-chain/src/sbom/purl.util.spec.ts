import { PackageURL } from 'packageurl-js';
import { distroEcosystem, normalizePypiName, packageFromPurl, parsePurl } from '.';

function resolve(purl: string): unknown {
  const parsed = parsePurl(purl);
  if (!parsed) throw new Error(`not a purl: ${purl}`);
  const result = packageFromPurl(parsed);
  return 'package' in result ? result.package : result.reason;
}

describe('packages from purls', () => {
  it.each([
    ['pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19', 'musl', '1.2.4-r2', 'Alpine:v3.19', 'apk'],
    ['pkg:apk/alpine/zlib@1.2.13-r0?distro=3.18.4', 'zlib', '1.2.13-r0', 'Alpine:v3.18', 'apk'],
    ['pkg:apk/wolfi/glibc@2.38-r1?arch=x86_64', 'glibc', '2.38-r1', 'Wolfi', 'apk'],
    ['pkg:apk/chainguard/openssl@3.2.0-r0', 'openssl', '3.2.0-r0', 'Chainguard', 'apk'],
    ['pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12', 'libssl3', '3.0.11-1~deb12u2', 'Debian:12', 'deb'],
    ['pkg:deb/debian/bash@5.2.15-2?distro=bookworm', 'bash', '5.2.15-2', 'Debian:12', 'deb'],
    ['pkg:deb/ubuntu/bash@5.1-6ubuntu1?distro=ubuntu-22.04', 'bash', '5.1-6ubuntu1', 'Ubuntu:22.04:LTS', 'deb'],
    ['pkg:deb/ubuntu/bash@5.2-1?distro=ubuntu-23.10', 'bash', '5.2-1', 'Ubuntu:23.10', 'deb'],
    ['pkg:npm/%40scope/name@1.0.0', '@scope/name', '1.0.0', 'npm', 'npm'],
    ['pkg:pypi/Django_REST.framework@3.14.0', 'django-rest-framework', '3.14.0', 'PyPI', 'pypi'],
    ['pkg:golang/github.com/x/y@v1.2.3', 'github.com/x/y', 'v1.2.3', 'Go', 'golang'],
    ['pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1', 'org.apache.logging.log4j:log4j-core', '2.14.1', 'Maven', 'maven'],
    ['pkg:generic/openssl@1.1.1', 'openssl', '1.1.1', '', 'generic'],
  ])('%s', (purl, name, version, ecosystem, type) => {
    expect(resolve(purl)).toMatchObject({ name, version, ecosystem, type });
  });

  it('reads the source package from upstream=, source= and origin= qualifiers', () => {
    expect(resolve('pkg:deb/debian/libmount1@2.38.1-5?upstream=util-linux%402.38.1-5')).toMatchObject({
      sourceName: 'util-linux',
      sourceVersion: '2.38.1-5',
    });
    expect(resolve('pkg:deb/ubuntu/libpcre3@2:8.39-12?source=pcre3')).toMatchObject({ sourceName: 'pcre3' });
    expect(resolve('pkg:apk/alpine/libcrypto3@3.1.4-r0?origin=openssl')).toMatchObject({ sourceName: 'openssl' });
  });

  it('splits a namespace some writers percent-encode into the name', () => {
    expect(parsePurl('pkg:npm/%40gar%2Fpromisify@1.1.3')?.namespace).toBe('@gar');
    expect(resolve('pkg:npm/%40gar%2Fpromisify@1.1.3')).toMatchObject({ purl: 'pkg:npm/%40gar/promisify@1.1.3' });
  });

  it('fills a missing purl version from the document, and refuses images and versionless packages', () => {
    const purl = PackageURL.fromString('pkg:npm/left-pad');
    expect(packageFromPurl(purl, '1.3.0')).toMatchObject({ package: { purl: 'pkg:npm/left-pad@1.3.0', version: '1.3.0' } });
    expect(packageFromPurl(purl)).toEqual({ reason: 'no version' });
    expect(resolve('pkg:oci/alpine@sha256%3Aabc')).toBe('container image, not a package');
    expect(parsePurl('a-purl-1')).toBeUndefined();
  });

  it('normalises PyPI names per PEP 503 and maps distro releases to OSV ecosystems', () => {
    expect(normalizePypiName('Foo__Bar.-baz')).toBe('foo-bar-baz');
    expect(distroEcosystem('alpine', 'edge')).toBe('Alpine');
    expect(distroEcosystem('debian', undefined)).toBe('Debian');
    expect(distroEcosystem('ubuntu', 'bionic')).toBe('Ubuntu:18.04:LTS');
    expect(distroEcosystem('fedora', '39')).toBe('');
  });
});
