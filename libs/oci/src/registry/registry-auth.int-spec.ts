import { buildImage, pushImage, startRegistry, startTokenServer, type RunningRegistry, type RunningTokenServer } from '../../../../test/support/oci-registry';
import { RegistryUnauthorizedError } from '../errors/oci.errors';
import { staticCredentials } from './registry-credentials';
import { RegistryClient } from './registry.client';

/** The real registry with distribution's token auth, in front of a test token service. */
describe('RegistryClient bearer-token challenge flow', () => {
  let tokens: RunningTokenServer;
  let registry: RunningRegistry;
  const clients: RegistryClient[] = [];

  const clientFor = (credentials?: Record<string, { username: string; password: string }>) => {
    const tokenHost = new URL(tokens.realm).host;
    const client = new RegistryClient({
      insecureRegistries: [registry.host, tokenHost],
      allowPrivateTargets: true,
      credentials: credentials ? staticCredentials(credentials) : undefined,
      retry: { retries: 0 },
    });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    tokens = await startTokenServer({ ci: 'ci-secret' });
    registry = await startRegistry({ tokenAuth: tokens });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await registry?.stop();
    await tokens?.stop();
  });

  it('answers the registry challenge with a token for the repository scope, and reuses it', async () => {
    const client = clientFor({ [registry.host]: { username: 'ci', password: 'ci-secret' } });
    const location = { registry: registry.host, repository: 'team/app' };
    const image = await buildImage('behind token auth');
    await pushImage(client, location, '1.0', image);

    const before = tokens.requests.length;
    const resolved = await client.resolve(`${registry.host}/team/app:1.0`);
    expect(resolved.digest).toBe(image.manifest.digest);
    await client.getBlob(location, image.config.digest);
    await client.resolve(`${registry.host}/team/app:1.0`);

    const pulls = tokens.requests.slice(before);
    // One token for `pull` served every later request of the same scope.
    expect(pulls).toEqual([{ scope: 'repository:team/app:pull', user: 'ci', status: 200 }]);
    // The push asked for pull and push (the registry's own challenge may list them in any order).
    expect(tokens.requests.slice(0, before).every((r) => r.scope?.startsWith('repository:team/app:pull,push') && r.user === 'ci')).toBe(true);
  });

  it('fails with RegistryUnauthorizedError when the token service refuses the password', async () => {
    const client = clientFor({ [registry.host]: { username: 'ci', password: 'wrong' } });
    await expect(client.resolve(`${registry.host}/team/app:1.0`)).rejects.toThrow(RegistryUnauthorizedError);
    await expect(client.resolve(`${registry.host}/team/app:1.0`)).rejects.toThrow(/refused the credentials/);
  });

  it('fails with RegistryUnauthorizedError when an anonymous token grants no access', async () => {
    const client = clientFor();
    await expect(client.resolve(`${registry.host}/team/app:1.0`)).rejects.toThrow(RegistryUnauthorizedError);
  });
});
