import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseSbom, SbomError } from '.';
import { SHARED_DATA, sharedData } from './shared-data.fixture';

// Counts and triples were read off the files with jq (purl externalRefs / components[].purl,
// recursively, minus pkg:oci and invalid purls), not from this parser's output.
// Purls are in canonical form: qualifiers sorted, as packageurl-js prints them.
interface Expected {
  format: 'spdx' | 'cyclonedx';
  specVersion: string;
  name?: string;
  count: number;
  skipped: number;
  samples: [name: string, version: string, purl: string, ecosystem: string][];
}

const EXPECTED: Record<string, Expected> = {
  'spdx/apko-apk-libattr1-2.5.1-r2.spdx.json': {
    format: 'spdx', specVersion: '2.3', name: 'apk-libattr1-2.5.1-r2', count: 1, skipped: 0,
    samples: [['libattr1', '2.5.1-r2', 'pkg:apk/wolfi/libattr1@2.5.1-r2?arch=x86_64', 'Wolfi']],
  },
  'spdx/apko-apk-unbound-1.23.0-r0.spdx.json': {
    format: 'spdx', specVersion: '2.3', count: 3, skipped: 0,
    samples: [
      ['unbound', '1.23.0-r0', 'pkg:apk/wolfi/unbound@1.23.0-r0?arch=x86_64', 'Wolfi'],
      ['nlnetlabs/unbound', 'release-1.23.0', 'pkg:github/nlnetlabs/unbound@release-1.23.0', ''],
    ],
  },
  'spdx/apko-golden-image-x86_64.spdx.json': {
    format: 'spdx', specVersion: '2.3', count: 4, skipped: 3,
    samples: [['replayout', '1.0.0-r0', 'pkg:apk/unknown/replayout@1.0.0-r0?arch=x86_64', '']],
  },
  'spdx/apko-golden-index.spdx.json': { format: 'spdx', specVersion: '2.3', count: 0, skipped: 3, samples: [] },
  'spdx/apko-image-unbound-package-dedupe.spdx.json': {
    format: 'spdx', specVersion: '2.3', name: 'sbom', count: 5, skipped: 2,
    samples: [['unbound-config', '1.23.0-r0', 'pkg:apk/wolfi/unbound-config@1.23.0-r0?arch=x86_64', 'Wolfi']],
  },
  'spdx/scalibr-external_refs.spdx.json': {
    format: 'spdx', specVersion: '2.3', count: 1, skipped: 2,
    samples: [['flatbuffers', '25.9.23', 'pkg:generic/some_company/flatbuffers@25.9.23', '']],
  },
  'spdx/scalibr-purl_and_cpe.spdx.json': {
    // versionInfo is absent; the version comes from the purl.
    format: 'spdx', specVersion: '2.3', count: 2, skipped: 0,
    samples: [['openssl', '1.1.1l', 'pkg:generic/openssl@1.1.1l', '']],
  },
  'spdx/syft-alpine-3.10.spdx.json': {
    format: 'spdx', specVersion: '2.2', name: 'alpine-3.10', count: 3, skipped: 0,
    samples: [
      ['busybox', '1.30.1-r5', 'pkg:apk/alpine/busybox@1.30.1-r5?arch=x86_64&distro=alpine-3.10.9', 'Alpine:v3.10'],
      ['ssl_client', '1.30.1-r5', 'pkg:apk/alpine/ssl_client@1.30.1-r5?arch=x86_64&distro=alpine-3.10.9&upstream=busybox', 'Alpine:v3.10'],
    ],
  },
  'spdx/syft-image-encoder.golden.spdx.json': {
    format: 'spdx', specVersion: '2.3', count: 1, skipped: 2,
    samples: [['package-2', '2.0.1', 'pkg:deb/debian/package-2@2.0.1', 'Debian']],
  },
  'spdx/trivy-bitnami-postgresql.spdx.json': {
    format: 'spdx', specVersion: '2.3', count: 4, skipped: 0,
    samples: [['gdal', '3.7.1', 'pkg:bitnami/gdal@3.7.1', 'Bitnami']],
  },
  'spdx/trivy-happy-bom.spdx.json': {
    format: 'spdx', specVersion: '2.2', count: 6, skipped: 6,
    samples: [
      ['musl', '1.2.3-r0', 'pkg:apk/alpine/musl@1.2.3-r0?distro=3.16.0', 'Alpine:v3.16'],
      ['org.codehaus.mojo:child-project', '1.0', 'pkg:maven/org.codehaus.mojo/child-project@1.0', 'Maven'],
      ['bootstrap', '5.0.2', 'pkg:npm/bootstrap@5.0.2', 'npm'],
    ],
  },
  'spdx/ubuntu-pcre3-epoch.scalibr.spdx.json': {
    format: 'spdx', specVersion: '2.3', count: 1, skipped: 0,
    samples: [['pcre3', '2:8.39-12ubuntu0.1', 'pkg:deb/ubuntu/pcre3@2:8.39-12ubuntu0.1?arch=amd64&distro=focal&source=pcre3', 'Ubuntu:20.04:LTS']],
  },
  'spdx/vendor-alpine-3.10.spdx.json': { format: 'spdx', specVersion: '2.2', name: 'alpine:3.10', count: 0, skipped: 3, samples: [] },
  'cyclonedx/alpine-3.17.2.syft.cdx.json': {
    format: 'cyclonedx', specVersion: '1.4', name: 'alpine:latest', count: 14, skipped: 2,
    samples: [
      ['zlib', '1.2.13-r0', 'pkg:apk/alpine/zlib@1.2.13-r0?arch=x86_64&distro=alpine-3.17.2&upstream=zlib', 'Alpine:v3.17'],
      ['libcrypto3', '3.0.8-r0', 'pkg:apk/alpine/libcrypto3@3.0.8-r0?arch=x86_64&distro=alpine-3.17.2&upstream=openssl', 'Alpine:v3.17'],
    ],
  },
  'cyclonedx/alpine-zlib-16.scalibr.cdx.json': {
    format: 'cyclonedx', specVersion: '1.6', count: 1, skipped: 0,
    samples: [['zlib', '1.2.12-r1', 'pkg:apk/alpine/zlib@1.2.12-r1?arch=x86_64&distro=3.22.0&origin=zlib', 'Alpine:v3.22']],
  },
  'cyclonedx/scalibr-sbom-with-locations.cdx.json': {
    format: 'cyclonedx', specVersion: '1.4', count: 1, skipped: 0,
    samples: [['@gar/promisify', '1.1.3', 'pkg:npm/%40gar/promisify@1.1.3', 'npm']],
  },
  'cyclonedx/scalibr-sbom-with-nested-comps.cdx.json': {
    format: 'cyclonedx', specVersion: '1.4', count: 2, skipped: 1,
    samples: [['rustls', '0.23.13', 'pkg:cargo/rustls@0.23.13', 'crates.io']],
  },
  'cyclonedx/syft-identify-1.4.cdx.json': {
    format: 'cyclonedx', specVersion: '1.4', name: 'go.mod', count: 1, skipped: 0,
    samples: [['github.com/wagoodman/go-partybus', 'v0.0.0-20230516145632-8ccac152c651',
      'pkg:golang/github.com/wagoodman/go-partybus@v0.0.0-20230516145632-8ccac152c651', 'Go']],
  },
  'cyclonedx/syft-identify-1.5.cdx.json': { format: 'cyclonedx', specVersion: '1.5', count: 1, skipped: 0, samples: [] },
  'cyclonedx/syft-identify-1.6.cdx.json': { format: 'cyclonedx', specVersion: '1.6', count: 1, skipped: 0, samples: [] },
  'cyclonedx/syft-image-encoder.golden.cdx.json': {
    format: 'cyclonedx', specVersion: '1.7', name: 'user-image-input', count: 1, skipped: 2,
    samples: [['package-2', '2.0.1', 'pkg:deb/debian/package-2@2.0.1', 'Debian']],
  },
  'cyclonedx/trivy-fluentd-multiple-lockfiles.cdx.json': {
    format: 'cyclonedx', specVersion: '1.5', count: 3, skipped: 1,
    samples: [
      ['libidn2-0', '2.0.5-1', 'pkg:deb/debian/libidn2-0@2.0.5-1?distro=debian-10.2', 'Debian:10'],
      ['activesupport', '6.0.2.1', 'pkg:gem/activesupport@6.0.2.1', 'RubyGems'],
    ],
  },
  'cyclonedx/trivy-happy-bom.cdx.json': {
    format: 'cyclonedx', specVersion: '1.7', name: 'maven-test-project', count: 7, skipped: 4,
    samples: [
      ['@example/bootstrap', '5.0.2', 'pkg:npm/%40example/bootstrap@5.0.2', 'npm'],
      ['pear/pear_exception', 'v1.0.0', 'pkg:composer/pear/pear_exception@v1.0.0', 'Packagist'],
    ],
  },
  'cyclonedx/trivy-minikube-kbom.cdx.json': {
    format: 'cyclonedx', specVersion: '1.5', name: 'k8s.io/kubernetes', count: 6, skipped: 12,
    samples: [
      ['docker', '24.0.4', 'pkg:golang/docker@24.0.4', 'Go'],
      ['k8s.io/kubelet', '1.27.0', 'pkg:k8s/k8s.io/kubelet@1.27.0', 'Kubernetes'],
    ],
  },
};

describe('parseSbom over the shared real SBOMs', () => {
  const jsonFiles = ['spdx', 'cyclonedx'].flatMap((dir) =>
    readdirSync(resolve(SHARED_DATA, 'sbom', dir)).filter((f) => f.endsWith('.json')).map((f) => `${dir}/${f}`),
  );

  it('has an expectation for every JSON SBOM in the data set', () => {
    expect(jsonFiles.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (file, expected) => {
    const sbom = parseSbom(sharedData(`sbom/${file}`));
    expect(sbom.format).toBe(expected.format);
    expect(sbom.specVersion).toBe(expected.specVersion);
    if (expected.name) expect(sbom.name).toBe(expected.name);
    expect(sbom.packages).toHaveLength(expected.count);
    expect(sbom.skipped).toHaveLength(expected.skipped);
    for (const [name, version, purl, ecosystem] of expected.samples) {
      expect(sbom.packages).toContainEqual(expect.objectContaining({ name, version, purl, ecosystem }));
    }
  });

  it('takes licenses, source packages and nested components from the documents', () => {
    const alpine = parseSbom(sharedData('sbom/cyclonedx/alpine-3.17.2.syft.cdx.json'));
    expect(alpine.packages.find((p) => p.name === 'musl-utils')).toMatchObject({
      sourceName: 'musl',
      licenses: ['MIT', 'BSD-2-Clause', 'GPL-2.0-or-later'],
    });
    const nested = parseSbom(sharedData('sbom/cyclonedx/scalibr-sbom-with-nested-comps.cdx.json'));
    expect(nested.skipped).toEqual([{ path: 'components[1]', name: 'Nginx', reason: 'no purl' }]);
    const spdx = parseSbom(sharedData('sbom/spdx/syft-image-encoder.golden.spdx.json'));
    expect(spdx.skipped[0]).toEqual({ path: 'packages[0]', name: 'package-1', reason: 'invalid purl: a-purl-1' });
  });

  it('refuses the CycloneDX XML files with a clear, typed error', () => {
    for (const file of ['alpine-3.17.2.syft.cdx.xml', 'alpine-3.17.2-zlib-edited.syft.cdx.xml']) {
      const attempt = (): unknown => parseSbom(sharedData(`sbom/cyclonedx/${file}`));
      expect(attempt).toThrow(SbomError);
      expect(attempt).toThrow('XML SBOMs are not supported; send SPDX or CycloneDX JSON');
    }
  });
});
