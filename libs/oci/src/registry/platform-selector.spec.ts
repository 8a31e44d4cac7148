import type { ImageIndex } from './manifest.schema';
import { selectPlatformManifest } from './platform-selector';

const entry = (digest: string, platform?: { os: string; architecture: string; variant?: string }) => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${digest.repeat(64)}`,
  size: 1,
  ...(platform ? { platform } : {}),
});

const index: ImageIndex = {
  schemaVersion: 2,
  manifests: [
    entry('1', { os: 'linux', architecture: 'amd64' }),
    entry('2', { os: 'linux', architecture: 'arm', variant: 'v6' }),
    entry('3', { os: 'linux', architecture: 'arm', variant: 'v7' }),
    entry('4', { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    entry('5', { os: 'unknown', architecture: 'unknown' }),
    entry('6'),
  ],
};

describe('selectPlatformManifest', () => {
  it('picks by os/architecture and by variant, with arm64 meaning v8', () => {
    expect(selectPlatformManifest(index, { os: 'linux', architecture: 'amd64' })?.digest).toBe(`sha256:${'1'.repeat(64)}`);
    expect(selectPlatformManifest(index, { os: 'linux', architecture: 'arm', variant: 'v7' })?.digest).toBe(`sha256:${'3'.repeat(64)}`);
    expect(selectPlatformManifest(index, { os: 'linux', architecture: 'arm64' })?.digest).toBe(`sha256:${'4'.repeat(64)}`);
  });

  it('finds nothing for absent platforms and never picks attestation entries', () => {
    expect(selectPlatformManifest(index, { os: 'linux', architecture: 'arm', variant: 'v5' })).toBeUndefined();
    expect(selectPlatformManifest(index, { os: 'windows', architecture: 'amd64' })).toBeUndefined();
  });
});
