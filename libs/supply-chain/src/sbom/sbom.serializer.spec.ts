import {
  negotiateSbomFormat,
  normalizeLicenses,
  parseSbom,
  toCycloneDxJson,
  toSpdxJson,
  type SbomPackage,
  type SbomWriteOptions,
} from '.';
import { sharedData } from './shared-data.fixture';

const options: SbomWriteOptions = {
  name: 'registry.example/app@sha256:0123',
  subject: { name: 'registry.example/app', version: 'sha256:0123', purl: 'pkg:oci/app@sha256%3A0123?repository_url=registry.example/app' },
  created: new Date('2024-05-01T12:00:00.000Z'),
};

const realPackages: SbomPackage[] = [
  'sbom/cyclonedx/alpine-3.17.2.syft.cdx.json',
  'sbom/cyclonedx/trivy-happy-bom.cdx.json',
  'sbom/spdx/ubuntu-pcre3-epoch.scalibr.spdx.json',
  'sbom/spdx/trivy-bitnami-postgresql.spdx.json',
].flatMap((file) => parseSbom(sharedData(file)).packages);

// Free-text licenses as package databases declare them (apk, PyPI), which are not SPDX expressions.
const oddLicenses: SbomPackage[] = [
  { name: 'musl-utils', version: '1.1.14-r10', purl: 'pkg:apk/alpine/musl-utils@1.1.14-r10', ecosystem: 'Alpine', type: 'apk', licenses: ['MIT BSD GPL2+'] },
  { name: 'distlib', version: '0.3.1', purl: 'pkg:pypi/distlib@0.3.1', ecosystem: 'PyPI', type: 'pypi', licenses: ['Python license'] },
  { name: 'ada-libs', version: '2.7.4-r0', purl: 'pkg:apk/alpine/ada-libs@2.7.4-r0', ecosystem: 'Alpine', type: 'apk', licenses: ['Apache-2.0 OR MIT', 'MPL-2.0'] },
];

describe('SBOM serializers', () => {
  it('real packages survive SPDX 2.3 JSON and CycloneDX 1.5 JSON round trips', () => {
    const packages = [...realPackages, ...oddLicenses];
    expect(packages.length).toBe(14 + 7 + 1 + 4 + 3);
    for (const doc of [toSpdxJson(packages, options), toCycloneDxJson(packages, options)]) {
      const reparsed = parseSbom(JSON.stringify(doc));
      expect(reparsed.packages).toEqual(packages);
      expect(reparsed.name).toBe(reparsed.format === 'spdx' ? options.name : options.subject?.name);
      // The subject is the image: described, never counted as one of its packages.
      expect(reparsed.skipped).toEqual(reparsed.format === 'spdx'
        ? [{ path: 'packages[0]', name: 'registry.example/app', reason: 'container image, not a package' }]
        : []);
    }
  });

  it('writes the fields SPDX 2.3 requires, with LicenseRefs for free-text licenses', () => {
    const doc = toSpdxJson(oddLicenses, options);
    expect(doc).toMatchObject({
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      creationInfo: { created: '2024-05-01T12:00:00Z', creators: ['Tool: vigil'] },
      documentDescribes: ['SPDXRef-Subject'],
    });
    expect(doc.documentNamespace).toMatch(/^https:\/\/vigil\.dev\/spdxdocs\/registry\.example%2Fapp%40sha256%3A0123-[0-9a-f]{64}$/);
    expect(doc.packages.map((p) => p.licenseDeclared)).toEqual([
      'NOASSERTION', expect.stringMatching(/^LicenseRef-[0-9a-f]{16}$/), expect.stringMatching(/^LicenseRef-/), '(Apache-2.0 OR MIT) AND MPL-2.0',
    ]);
    expect(doc.hasExtractedLicensingInfos?.map((l) => l.extractedText)).toEqual(['MIT BSD GPL2+', 'Python license']);
    expect(doc.relationships.filter((r) => r.relationshipType === 'CONTAINS')).toHaveLength(3);
    for (const p of doc.packages) expect(p.SPDXID).toMatch(/^SPDXRef-[A-Za-z0-9.-]+$/);
  });

  it('joins several licenses into one SPDX expression and lists them in CycloneDX', () => {
    const pkg: SbomPackage = { name: 'a', version: '1', purl: 'pkg:npm/a@1', ecosystem: 'npm', type: 'npm', licenses: ['MIT', 'Apache-2.0 OR BSD-3-Clause'] };
    expect(toSpdxJson([pkg], { name: 'x' }).packages[0].licenseDeclared).toBe('MIT AND (Apache-2.0 OR BSD-3-Clause)');
    expect(toCycloneDxJson([pkg], { name: 'x' }).components[0].licenses).toEqual([
      { license: { name: 'MIT' } },
      { license: { name: 'Apache-2.0 OR BSD-3-Clause' } },
    ]);
    expect(toCycloneDxJson([{ ...pkg, licenses: ['MIT'] }], { name: 'x' }).components[0].licenses).toEqual([{ expression: 'MIT' }]);
  });

  it('normalises license lists to their top-level AND terms, keeping free text', () => {
    expect(normalizeLicenses(['( Apache-2.0 OR MIT ) AND MPL-2.0'])).toEqual(['Apache-2.0 OR MIT', 'MPL-2.0']);
    expect(normalizeLicenses(['((MIT))', 'MIT', '(A OR B) AND (C WITH D)'])).toEqual(['MIT', 'A OR B', 'C WITH D']);
    expect(normalizeLicenses(['(A) OR (B)'])).toEqual(['(A) OR (B)']);
    expect(normalizeLicenses(['BSD License', 'NOASSERTION', ' '])).toEqual(['BSD License']);
    expect(normalizeLicenses(['NONE'])).toBeUndefined();
  });

  it('gives equal content an equal identity (cacheable by image digest)', () => {
    const a = toCycloneDxJson(realPackages, options);
    const b = toCycloneDxJson(realPackages, options);
    expect(a.serialNumber).toBe(b.serialNumber);
    expect(a.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(toCycloneDxJson(realPackages.slice(1), options).serialNumber).not.toBe(a.serialNumber);
    expect(JSON.stringify(toSpdxJson(realPackages, options))).toBe(JSON.stringify(toSpdxJson(realPackages, options)));
  });

  it.each([
    [undefined, 'spdx'],
    ['*/*', 'spdx'],
    ['application/json', 'spdx'],
    ['application/spdx+json', 'spdx'],
    ['application/vnd.cyclonedx+json', 'cyclonedx'],
    ['application/vnd.cyclonedx+json; version=1.5', 'cyclonedx'],
    ['application/spdx+json;q=0.5, application/vnd.cyclonedx+json;q=0.9', 'cyclonedx'],
    ['text/html, */*;q=0.1', 'spdx'],
    ['application/xml', undefined],
    ['application/vnd.cyclonedx+json;q=0', undefined],
  ])('negotiates Accept %p → %p', (accept, format) => {
    expect(negotiateSbomFormat(accept)).toBe(format);
  });
});
