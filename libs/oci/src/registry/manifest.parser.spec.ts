import { InvalidContentError, UnsupportedMediaTypeError } from '../errors/oci.errors';
import { parseManifest } from './manifest.parser';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const descriptor = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 2 };

describe('parseManifest', () => {
  it('reads OCI and Docker manifests and indexes by their mediaType', () => {
    expect(parseManifest(json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: descriptor, layers: [] }), undefined, 'm').kind).toBe('manifest');
    const list = parseManifest(
      json({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [{ ...descriptor, platform: { os: 'linux', architecture: 'amd64' } }] }),
      undefined,
      'm',
    );
    expect(list).toMatchObject({ kind: 'index', mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' });
  });

  it('falls back to the Content-Type header, then to the shape, when the body has no mediaType', () => {
    expect(parseManifest(json({ schemaVersion: 2, manifests: [] }), 'application/vnd.oci.image.index.v1+json', 'm').kind).toBe('index');
    expect(parseManifest(json({ schemaVersion: 2, config: descriptor, layers: [] }), 'application/octet-stream', 'm').kind).toBe('manifest');
  });

  it('refuses Docker schema 1, unknown types, invalid JSON and wrong shapes with typed errors', () => {
    expect(() => parseManifest(json({ schemaVersion: 1, mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' }), undefined, 'm')).toThrow(UnsupportedMediaTypeError);
    expect(() => parseManifest(Buffer.from('<html>'), 'text/html', 'm')).toThrow(InvalidContentError);
    expect(() => parseManifest(json([1, 2]), undefined, 'm')).toThrow(/not a JSON object/);
    expect(() => parseManifest(json({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: descriptor, layers: [{ digest: 'x' }] }), undefined, 'm')).toThrow(
      /invalid image manifest: layers\.0\./,
    );
  });
});
