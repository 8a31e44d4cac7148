import { parseSbom, parseSbomDocument, SbomError, type SbomErrorCode } from '.';

function spdx(packages: unknown[]): string {
  return JSON.stringify({ spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'x', packages });
}

function cdx(components: unknown): string {
  return JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components });
}

const okPackage = {
  SPDXID: 'SPDXRef-1', name: 'musl', versionInfo: '1.2.4-r2',
  externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: 'pkg:apk/alpine/musl@1.2.4-r2' }],
};

function rejection(run: () => unknown): { code: SbomErrorCode; message: string } {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(SbomError);
    return { code: (err as SbomError).code, message: (err as SbomError).message };
  }
  throw new Error('expected an SbomError');
}

describe('parseSbom rejects malformed and hostile input with typed errors', () => {
  it.each<[string, string | Uint8Array, SbomErrorCode, string]>([
    ['not JSON', '{"spdxVersion": ', 'invalid-json', 'not valid JSON'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'invalid-json', 'not valid UTF-8'],
    ['a JSON array', '[1, 2]', 'unsupported-format', 'expected a JSON object'],
    ['an unknown document', '{"hello": "world"}', 'unsupported-format', 'neither SPDX'],
    ['SPDX tag-value', 'SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0', 'unsupported-format', 'tag-value'],
    ['SPDX 3 JSON-LD', '{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}', 'unsupported-version', 'SPDX 3'],
    ['an old SPDX version', '{"spdxVersion": "SPDX-2.1", "packages": []}', 'unsupported-version', 'spdxVersion: SPDX version SPDX-2.1'],
    ['a future CycloneDX', '{"bomFormat": "CycloneDX", "specVersion": "2.0"}', 'unsupported-version', 'specVersion: CycloneDX 2.0'],
    ['another bomFormat', '{"bomFormat": "Other"}', 'unsupported-format', 'bomFormat: bomFormat must be "CycloneDX"'],
    ['packages that is not an array', '{"spdxVersion": "SPDX-2.3", "packages": {}}', 'invalid-document', 'packages: expected array, got object'],
    ['a package that is not an object', spdx([okPackage, 'musl']), 'invalid-document', 'packages[1]: expected object, got string'],
    ['a package without a name', spdx([{ SPDXID: 'SPDXRef-1' }]), 'invalid-document', 'packages[0].name: required string is missing'],
    ['a numeric versionInfo', spdx([okPackage, okPackage, okPackage, { ...okPackage, versionInfo: 3 }]), 'invalid-document',
      'packages[3].versionInfo: expected string, got number'],
    ['a non-string purl locator', spdx([{ ...okPackage, externalRefs: [{ referenceType: 'purl', referenceLocator: {} }] }]),
      'invalid-document', 'packages[0].externalRefs[0].referenceLocator: expected string, got object'],
    ['a nested component without a name', cdx([{ type: 'library', name: 'a', components: [{ type: 'library' }] }]),
      'invalid-document', 'components[0].components[0].name: required string is missing'],
    ['a license choice that is not an object', cdx([{ type: 'library', name: 'a', licenses: ['MIT'] }]),
      'invalid-document', 'components[0].licenses[0]: expected object, got string'],
  ])('%s', (_label, input, code, message) => {
    const error = rejection(() => parseSbom(input));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  it('bounds the input size before parsing', () => {
    const body = spdx([okPackage]);
    expect(rejection(() => parseSbom(body, { maxBytes: 100 }))).toEqual({
      code: 'too-large',
      message: `SBOM is ${Buffer.byteLength(body)} bytes; the limit is 100`,
    });
    expect(parseSbom(body, { maxBytes: body.length }).packages).toHaveLength(1);
  });

  it('bounds the number of SPDX packages and CycloneDX components, nested ones included', () => {
    expect(rejection(() => parseSbom(spdx([okPackage, okPackage, okPackage]), { maxPackages: 2 })).code).toBe('too-many-packages');
    const nested = cdx([{ type: 'library', name: 'a', components: [{ type: 'library', name: 'b' }, { type: 'library', name: 'c' }] }]);
    expect(rejection(() => parseSbom(nested, { maxPackages: 2 })).code).toBe('too-many-packages');
    expect(parseSbom(nested, { maxPackages: 3 }).skipped).toHaveLength(3);
  });

  it('bounds component nesting depth without recursing', () => {
    // Built as text: JSON.stringify itself would overflow on this depth.
    const levels = 10_000;
    const deep = `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[${'{"type":"library","name":"c","components":['.repeat(levels)}`
      + `{"type":"library","name":"leaf"}${']}'.repeat(levels)}]}`;
    const error = rejection(() => parseSbom(deep, { maxPackages: 20_000 }));
    expect(error.code).toBe('too-deep');
    expect(error.message).toMatch(/^components\[0\](\.components\[0\])+: components nest deeper than 32 levels$/);
  });

  it('bounds string lengths', () => {
    const long = spdx([{ ...okPackage, name: 'x'.repeat(100) }]);
    expect(rejection(() => parseSbom(long, { maxStringLength: 50 }))).toEqual({
      code: 'invalid-document',
      message: 'packages[0].name: string longer than 50 characters',
    });
  });

  it('accepts an already-parsed body and refuses non-objects', () => {
    expect(parseSbomDocument(JSON.parse(spdx([okPackage]))).packages[0].purl).toBe('pkg:apk/alpine/musl@1.2.4-r2');
    expect(rejection(() => parseSbomDocument(null)).code).toBe('unsupported-format');
  });

  it('treats prototype-looking keys as plain data', () => {
    const body = '{"spdxVersion":"SPDX-2.3","__proto__":{"packages":[1]},"packages":[]}';
    expect(parseSbom(body).packages).toEqual([]);
    expect(({} as Record<string, unknown>)['packages']).toBeUndefined();
  });
});
