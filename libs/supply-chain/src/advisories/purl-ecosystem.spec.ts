import { osvEcosystemFromPurl, osvPackageFromPurl } from './purl-ecosystem';

describe('osvPackageFromPurl', () => {
  it.each([
    ['pkg:apk/alpine/musl@1.2.3-r4?distro=alpine-3.19', 'Alpine:v3.19'],
    ['pkg:apk/alpine/zlib@1.2.13-r0?arch=x86_64&distro=alpine-3.17.2', 'Alpine:v3.17'],
    ['pkg:apk/alpine/zlib@1.3.1-r2?distro=3.22.0', 'Alpine:v3.22'],
    ['pkg:apk/alpine/zlib@1.3.1-r2', 'Alpine'],
    ['pkg:apk/wolfi/openssl@3.0.8-r0?arch=x86_64', 'Wolfi'],
    ['pkg:apk/chainguard/openssl@3.0.8-r0', 'Chainguard'],
    ['pkg:deb/debian/bash@5.2-1?distro=debian-12', 'Debian:12'],
    ['pkg:deb/debian/bash@5.0-4?distro=debian-10.2', 'Debian:10'],
    ['pkg:deb/debian/bash@5.2-1?distro=bookworm', 'Debian:12'],
    ['pkg:deb/ubuntu/bash@5.1?distro=ubuntu-22.04', 'Ubuntu:22.04'],
    ['pkg:npm/lodash@4.17.20', 'npm'],
    ['pkg:pypi/django@1.11.29', 'PyPI'],
    ['pkg:golang/github.com/gogo/protobuf@v1.3.1', 'Go'],
    ['pkg:cargo/serde@1.0.0', 'crates.io'],
    ['pkg:generic/openssl@3.0.0', undefined],
  ])('%s -> %s', (purl, ecosystem) => {
    expect(osvEcosystemFromPurl(purl)).toBe(ecosystem);
  });

  it('spells names the OSV way and reads the source package', () => {
    expect(osvPackageFromPurl('pkg:npm/%40babel/core@7.0.0')).toEqual({ ecosystem: 'npm', name: '@babel/core', version: '7.0.0' });
    expect(osvPackageFromPurl('pkg:golang/golang.org/x/net@v0.3.0').name).toBe('golang.org/x/net');
    expect(osvPackageFromPurl('pkg:maven/org.apache/commons@1.0').name).toBe('org.apache:commons');
    expect(osvPackageFromPurl('pkg:apk/alpine/musl-utils@1.2.3-r4?upstream=musl&distro=alpine-3.17.2')).toEqual({
      ecosystem: 'Alpine:v3.17',
      name: 'musl-utils',
      version: '1.2.3-r4',
      sourceName: 'musl',
    });
    // osv-scalibr writes the dpkg Source as source=, with a percent-encoded epoch in the version
    expect(
      osvPackageFromPurl('pkg:deb/ubuntu/libpcre3@2%3A8.39-12ubuntu0.1?arch=amd64&distro=ubuntu-18.04&source=pcre3'),
    ).toEqual({ ecosystem: 'Ubuntu:18.04', name: 'libpcre3', version: '2:8.39-12ubuntu0.1', sourceName: 'pcre3' });
    expect(osvPackageFromPurl('pkg:deb/debian/libc6@2.31-13?upstream=glibc%402.31-13').sourceName).toBe('glibc');
  });

  it('rejects what is not a purl', () => {
    expect(() => osvPackageFromPurl('not a purl')).toThrow();
    expect(osvEcosystemFromPurl('not a purl')).toBeUndefined();
  });
});
