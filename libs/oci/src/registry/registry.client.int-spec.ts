import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildImage,
  buildIndex,
  pushImage,
  skopeoCopyFromLayout,
  startRegistry,
  writeOciLayout,
  type RunningRegistry,
} from '../../../../test/support/oci-registry';
import { ContentCache } from './content-cache';
import { ForbiddenTargetError, NotFoundError } from '../errors/oci.errors';
import { selectPlatformManifest } from './platform-selector';
import { RegistryClient } from './registry.client';

describe('RegistryClient against a real docker-registry', () => {
  let registry: RunningRegistry;
  let client: RegistryClient;
  let cache: ContentCache;

  beforeAll(async () => {
    registry = await startRegistry();
    cache = new ContentCache();
    client = new RegistryClient({ insecureRegistries: [registry.host], allowPrivateTargets: true, cache });
  });

  afterAll(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('pushes an image, resolves its tag to the manifest digest and reads it back verified', async () => {
    const image = await buildImage('hello from push');
    const location = { registry: registry.host, repository: 'acme/push' };
    const pushed = await pushImage(client, location, 'v1', image);
    expect(pushed).toBe(image.manifest.digest);

    const resolved = await client.resolve(`${registry.host}/acme/push:v1`);
    expect(resolved).toMatchObject({ digest: image.manifest.digest, mediaType: 'application/vnd.oci.image.manifest.v1+json', isIndex: false });

    const manifest = await client.getManifest(location, image.manifest.digest);
    expect(manifest.bytes.equals(image.manifest.bytes)).toBe(true);
    expect(manifest.parsed.kind).toBe('manifest');
    const layer = await client.getBlob(location, image.layers[0]!.digest);
    expect(layer.equals(image.layers[0]!.bytes)).toBe(true);
  });

  it('resolves a tag again on every call while manifests come from the digest cache', async () => {
    const location = { registry: registry.host, repository: 'acme/moving' };
    const first = await buildImage('first');
    const second = await buildImage('second');
    await pushImage(client, location, 'latest', first);
    expect((await client.resolve(`${registry.host}/acme/moving`)).digest).toBe(first.manifest.digest);
    await pushImage(client, location, 'latest', second);
    expect((await client.resolve(`${registry.host}/acme/moving:latest`)).digest).toBe(second.manifest.digest);
    expect(cache.get(`${registry.host}/acme/moving@${first.manifest.digest}`)).toBeDefined();
  });

  it('reports a missing tag and a missing blob as NotFoundError', async () => {
    const location = { registry: registry.host, repository: 'acme/nothing' };
    await expect(client.getManifest(location, 'nope')).rejects.toThrow(NotFoundError);
    await expect(client.getBlob(location, `sha256:${'0'.repeat(64)}`)).rejects.toThrow(NotFoundError);
  });

  it('reads a multi-arch index pushed with skopeo and lets the caller pick a platform', async () => {
    const amd64 = await buildImage('amd64 build', { os: 'linux', architecture: 'amd64' });
    const arm64 = await buildImage('arm64 build', { os: 'linux', architecture: 'arm64', variant: 'v8' });
    const index = buildIndex([amd64, arm64]);
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-oci-layout-'));
    try {
      await writeOciLayout(dir, 'multi', index);
      await skopeoCopyFromLayout(dir, 'multi', `${registry.host}/acme/multi:1.0`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const resolved = await client.resolve(`${registry.host}/acme/multi:1.0`);
    expect(resolved).toMatchObject({ digest: index.index.digest, isIndex: true, mediaType: 'application/vnd.oci.image.index.v1+json' });
    const fetched = await client.getManifest(resolved.reference, resolved.digest);
    if (fetched.parsed.kind !== 'index') throw new Error('expected an index');
    const arm = selectPlatformManifest(fetched.parsed.index, { os: 'linux', architecture: 'arm64' });
    expect(arm?.digest).toBe(arm64.manifest.digest);
    const platformManifest = await client.getManifest(resolved.reference, arm!.digest);
    expect(platformManifest.parsed.kind).toBe('manifest');
    expect(selectPlatformManifest(fetched.parsed.index, { os: 'windows', architecture: 'amd64' })).toBeUndefined();
  });

  it('refuses the loopback registry when private targets are not allowed (SSRF protection)', async () => {
    const guarded = new RegistryClient({ insecureRegistries: [registry.host] });
    try {
      await expect(guarded.resolve(`${registry.host}/acme/push:v1`)).rejects.toThrow(ForbiddenTargetError);
      // A name that resolves to loopback is refused too, after resolving it.
      const port = registry.host.split(':')[1];
      await expect(guarded.resolve(`localhost:${port}/acme/push:v1`)).rejects.toThrow(/resolves to (127\.0\.0\.1|::1)/);
    } finally {
      await guarded.close();
    }
  });

  it('refuses at connect time a name whose DNS answer turns private after the check (rebinding)', async () => {
    const port = registry.host.split(':')[1];
    let lookups = 0;
    // First answer public (passes the up-front check), every later one loopback: the connection must not be made.
    const resolver = async () => [{ address: lookups++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    const guarded = new RegistryClient({ insecureRegistries: ['rebind.test'], resolver, retry: { retries: 0 } });
    try {
      await expect(guarded.resolve(`rebind.test:${port}/acme/push:v1`)).rejects.toThrow(ForbiddenTargetError);
      expect(lookups).toBe(2);
    } finally {
      await guarded.close();
    }
  });
});
