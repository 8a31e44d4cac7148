import { gzipSync } from 'node:zlib';
import { sharedData } from '../sbom/shared-data.fixture';
import { catalogImageLayers, CatalogError, type CatalogErrorCode, type LayerCatalogLimits, type LayerSource } from '.';
import { chunks, tarLayer, type TarEntry } from './layer-tar.fixture';

const db = (path: string): Buffer => sharedData(`pkgdb/${path}`);
const DEBIAN_12 = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n';

async function image(...layers: TarEntry[][]): Promise<LayerSource[]> {
  return Promise.all(layers.map(async (entries) => chunks(await tarLayer(entries))));
}

const names = (packages: { name: string }[]): string[] => packages.map((p) => p.name);

async function rejection(layers: LayerSource[], limits: Partial<LayerCatalogLimits> = {}): Promise<{ code: CatalogErrorCode; message: string }> {
  try {
    await catalogImageLayers(layers, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return { code: (err as CatalogError).code, message: (err as CatalogError).message };
  }
  throw new Error('expected a CatalogError');
}

describe('catalogImageLayers', () => {
  it('catalogs an Alpine image with language packages in a later layer', async () => {
    const catalog = await catalogImageLayers(await image(
      [
        { name: 'etc/', type: 'directory' },
        { name: 'etc/os-release', data: db('apk/grype-match-coverage/etc/os-release') },
        { name: 'bin/busybox', data: Buffer.alloc(200_000, 7) },
        { name: 'lib/apk/db/installed', data: db('apk/scalibr-alpine-installed') },
      ],
      [
        { name: 'usr/lib/node_modules/cowsay/package.json', data: db('npm/syft-cowsay/package.json') },
        { name: 'usr/lib/node_modules/cowsay/README.md', data: 'not a database' },
        { name: 'usr/lib/python3.11/site-packages/pip-22.2.2.dist-info/METADATA', data: db('python/scalibr-pip-22.2.2.dist-info/METADATA') },
      ],
    ));
    expect(catalog.distro).toMatchObject({ id: 'alpine', ecosystem: 'Alpine:v3.12' });
    expect(catalog.packages).toHaveLength(15 + 1 + 1);
    expect(catalog.packages).toContainEqual(expect.objectContaining({ name: 'musl', version: '1.2.4-r0', ecosystem: 'Alpine:v3.12' }));
    expect(catalog.packages.slice(-2).map((p) => p.purl)).toEqual(['pkg:npm/cowsay@1.4.0', 'pkg:pypi/pip@22.2.2']);
    expect(catalog.files).toEqual([
      'etc/os-release', 'lib/apk/db/installed', 'usr/lib/node_modules/cowsay/package.json',
      'usr/lib/python3.11/site-packages/pip-22.2.2.dist-info/METADATA',
    ]);
  });

  it('catalogs Debian status and distroless status.d, following an os-release symlink', async () => {
    const catalog = await catalogImageLayers(await image([
      { name: 'usr/lib/os-release', data: DEBIAN_12 },
      { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
      { name: 'var/lib/dpkg/status', data: db('dpkg/scalibr-valid-status') },
      { name: 'var/lib/dpkg/status.d/tzdata', data: db('dpkg/syft-status.d/multiple') },
      { name: 'var/lib/dpkg/status.d/tzdata.md5sums', data: 'd41d8cd98f00b204e9800998ecf8427e  usr/share/zoneinfo/UTC\n' },
      { name: 'var/lib/dpkg/status.d/linux', data: db('dpkg/syft-status.d/deinstall') },
    ]));
    expect(catalog.distro).toMatchObject({ id: 'debian', versionId: '12', codename: 'bookworm', ecosystem: 'Debian:12' });
    expect(catalog.packages).toHaveLength(7 + 1 + 2);
    expect(catalog.packages.find((p) => p.name === 'tzdata')).toMatchObject({
      ecosystem: 'Debian:12',
      sourceName: 'tzdata-dev',
      purl: 'pkg:deb/debian/tzdata@2020a-0+deb10u1?arch=all&distro=debian-12&upstream=tzdata-dev',
    });
  });

  it('honours whiteouts and opaque directories from upper layers only', async () => {
    const catalog = await catalogImageLayers(await image(
      [
        { name: 'lib/apk/db/installed', data: db('apk/scalibr-alpine-installed') },
        { name: 'app/node_modules/cowsay/package.json', data: db('npm/syft-cowsay/package.json') },
        { name: 'app/node_modules/accepts/package.json', data: db('npm/scalibr-accepts/package.json') },
        { name: 'srv/node_modules/undici/package.json', data: db('npm/scalibr-undici/package.json') },
        { name: 'usr/lib/python3/site-packages/distlib-0.3.1.dist-info/METADATA', data: db('python/trivy-distlib-0.3.1.dist-info/METADATA') },
      ],
      [
        // An upper layer rewrites the apk database (apk add/del does this).
        { name: 'lib/apk/db/installed', data: db('apk/osv-scanner-alpine-3.17-installed') },
        // Same-layer content written before the opaque marker must survive it.
        { name: 'app/node_modules/undici/package.json', data: db('npm/scalibr-undici/package.json') },
        { name: 'app/node_modules/.wh..wh..opq' },
        { name: 'srv/node_modules/.wh.undici' },
        { name: 'usr/lib/python3/site-packages/.wh.distlib-0.3.1.dist-info' },
      ],
    ));
    expect(names(catalog.packages)).toEqual(['apk-tools', 'undici']);
    expect(catalog.files).toEqual(['lib/apk/db/installed', 'app/node_modules/undici/package.json']);
  });

  it('lets an upper-layer symlink or directory replace a collected file', async () => {
    const catalog = await catalogImageLayers(await image(
      [
        { name: 'etc/os-release', data: db('apk/grype-match-coverage/etc/os-release') },
        { name: 'var/lib/dpkg/status', data: db('dpkg/osv-scanner-status') },
      ],
      [
        { name: 'usr/lib/os-release', data: DEBIAN_12 },
        { name: 'etc/os-release', type: 'symlink', linkname: '/usr/lib/os-release' },
        { name: 'var/lib/dpkg/status', type: 'directory' },
      ],
    ));
    expect(catalog.distro?.ecosystem).toBe('Debian:12');
    expect(catalog.packages).toEqual([]);
  });

  it('normalises absolute and ./ names, reads plain tar, skips empty blobs and hardlinks to collected files', async () => {
    const plain = await tarLayer([
      { name: '/etc/os-release', data: db('apk/grype-match-coverage/etc/os-release') },
      { name: './lib/apk/db/installed', data: db('apk/osv-scanner-alpine-3.17-installed') },
      { name: 'usr/lib/apk/db/installed', type: 'link', linkname: './lib/apk/db/installed' },
    ], false);
    const catalog = await catalogImageLayers([[plain], []]);
    expect(names(catalog.packages)).toEqual(['apk-tools']);
    expect(catalog.files).toEqual(['etc/os-release', 'lib/apk/db/installed', 'usr/lib/apk/db/installed']);
  });

  it('accepts async layer streams', async () => {
    const blob = await tarLayer([{ name: 'lib/apk/db/installed', data: db('apk/osv-scanner-alpine-3.17-installed') }]);
    async function* stream(): AsyncGenerator<Uint8Array> {
      for (const chunk of chunks(blob, 7)) yield new Uint8Array(chunk);
    }
    async function* layers(): AsyncGenerator<LayerSource> {
      yield stream();
    }
    expect(names((await catalogImageLayers(layers())).packages)).toEqual(['apk-tools']);
  });
});

describe('catalogImageLayers refuses hostile layers', () => {
  it('path traversal, naming the layer', async () => {
    const layers = await image([], [{ name: 'var/../../etc/shadow', data: 'x' }]);
    expect(await rejection(layers)).toEqual({ code: 'path-traversal', message: 'layer 1: entry name escapes the root: var/../../etc/shadow' });
  });

  it('a hardlink whose target escapes the root', async () => {
    const layers = await image([{ name: 'lib/apk/db/installed', type: 'link', linkname: '../../outside' }]);
    expect((await rejection(layers)).code).toBe('path-traversal');
  });

  it('an entry larger than allowed, before reading it', async () => {
    const layers = await image([{ name: 'big.bin', data: Buffer.alloc(2 * 1024 * 1024) }]);
    expect(await rejection(layers, { maxEntryBytes: 1024 * 1024 })).toEqual({
      code: 'entry-too-large',
      message: 'layer 0: big.bin declares 2097152 bytes (limit 1048576)',
    });
  });

  it('a gzip bomb, by bounding decompressed bytes', async () => {
    const bomb = await tarLayer([{ name: 'zeros', data: Buffer.alloc(64 * 1024 * 1024) }]);
    expect(bomb.length).toBeLessThan(200 * 1024);
    const before = process.memoryUsage().rss;
    expect((await rejection([[bomb]], { maxDecompressedBytes: 8 * 1024 * 1024 })).code).toBe('decompressed-too-large');
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('too many entries and too many layers', async () => {
    const many = Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, data: 'x' }));
    expect((await rejection(await image(many), { maxEntries: 10 })).code).toBe('too-many-entries');
    expect((await rejection(await image([], [], []), { maxLayers: 2 })).code).toBe('too-many-layers');
  });

  it('a package database over its size limit, and too much collected in total', async () => {
    const layers = await image([{ name: 'var/lib/dpkg/status', data: db('dpkg/trivy-ubuntu-18.04-status') }]);
    const limits = { fileLimits: { 'os-release': 1024, 'apk-installed': 1024, 'dpkg-status': 1024, 'dpkg-status-d': 1024, 'npm-package-json': 1024, 'python-metadata': 1024 } };
    expect(await rejection(layers, limits)).toEqual({
      code: 'file-too-large',
      message: 'layer 0: var/lib/dpkg/status is 87894 bytes (limit 1024 for dpkg-status)',
    });
    expect((await rejection(layers, { maxCollectedBytes: 10_000 })).code).toBe('collected-too-large');
  });

  it('garbage, truncated gzip, truncated tar and zstd', async () => {
    const good = await tarLayer([{ name: 'lib/apk/db/installed', data: db('apk/scalibr-alpine-installed') }]);
    const tar = await tarLayer([{ name: 'lib/apk/db/installed', data: db('apk/scalibr-alpine-installed') }], false);
    const cases: [Buffer, CatalogErrorCode][] = [
      [Buffer.from('this is not a layer at all, just some text that is long enough'.repeat(20)), 'invalid-layer'],
      [good.subarray(0, good.length / 2), 'invalid-layer'],
      [gzipSync(tar.subarray(0, 700)), 'invalid-layer'],
      [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]), 'unsupported-compression'],
      [Buffer.from([0x1f]), 'invalid-layer'],
    ];
    for (const [blob, code] of cases) expect((await rejection([[blob]])).code).toBe(code);
  });

  it('a failing source as a retryable read error', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield (await tarLayer([])).subarray(0, 10);
      throw new Error('connection reset');
    }
    expect(await rejection([failing()])).toEqual({ code: 'layer-read-failed', message: 'layer 0: reading the layer failed: connection reset' });
  });
});
