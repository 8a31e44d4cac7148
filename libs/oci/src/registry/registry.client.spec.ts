import { InvalidContentError } from '../errors/oci.errors';
import { RegistryClient } from './registry.client';

describe('RegistryClient input checks (no I/O happens before them)', () => {
  const client = new RegistryClient();
  afterAll(() => client.close());

  it('refuses tags and locations that would steer the request URL', async () => {
    await expect(client.getManifest({ registry: 'ghcr.io', repository: 'acme/app' }, '../../x')).rejects.toThrow(InvalidContentError);
    await expect(client.getManifest({ registry: 'ghcr.io', repository: 'acme/app' }, 'md5:abc')).rejects.toThrow(InvalidContentError);
    await expect(client.getManifest({ registry: 'evil.com/x?', repository: 'acme/app' }, 'v1')).rejects.toThrow(/not a valid registry/);
    await expect(client.getManifest({ registry: 'ghcr.io', repository: 'acme/../admin' }, 'v1')).rejects.toThrow(/not a valid registry/);
    await expect(client.getBlob({ registry: 'ghcr.io', repository: 'acme/app' }, 'sha256:short')).rejects.toThrow(InvalidContentError);
  });
});
