import { startScriptedServer, startSilentServer, streamForever, sha256, type Handler } from '../../../../test/support/oci-registry';
import {
  ContentTooLargeError,
  DigestMismatchError,
  InvalidContentError,
  RegistryTimeoutError,
  RegistryUnavailableError,
} from '../errors/oci.errors';
import type { RegistryClientOptions } from './registry-client.options';
import { RegistryClient } from './registry.client';

const MANIFEST = Buffer.from(
  JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(Buffer.from('{}')), size: 2 },
    layers: [],
  }),
);
const MANIFEST_DIGEST = sha256(MANIFEST);
const OTHER_DIGEST = sha256(Buffer.from('something else'));

/** Registries that misbehave: the client must fail with a clear typed error, and never buffer unbounded bodies. */
describe('RegistryClient against misbehaving registries', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  async function scripted(handler: Handler, options: RegistryClientOptions = {}) {
    const server = await startScriptedServer(handler);
    const client = new RegistryClient({
      insecureRegistries: [server.host],
      allowPrivateTargets: true,
      retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5 },
      maxManifestBytes: 64 * 1024,
      ...options,
    });
    stops.push(() => client.close(), () => server.stop());
    return { server, client, location: { registry: server.host, repository: 'evil/app' } };
  }

  it('times out against a server that accepts connections and never answers', async () => {
    const silent = await startSilentServer();
    const client = new RegistryClient({ insecureRegistries: [silent.host], allowPrivateTargets: true, timeoutMs: 300, retry: { retries: 1, baseDelayMs: 1 } });
    stops.push(() => client.close(), () => silent.stop());
    await expect(client.resolve(`${silent.host}/slow/app:1`)).rejects.toThrow(RegistryTimeoutError);
  });

  it('refuses a manifest whose bytes do not match the digest asked for', async () => {
    const { client, location } = await scripted((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(MANIFEST);
    });
    await expect(client.getManifest(location, OTHER_DIGEST)).rejects.toThrow(DigestMismatchError);
  });

  it('refuses a tag whose HEAD digest does not match the manifest then served', async () => {
    const { client, location } = await scripted((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': OTHER_DIGEST }).end(MANIFEST);
    });
    await expect(client.resolve(`${location.registry}/evil/app:1`)).rejects.toThrow(DigestMismatchError);
  });

  it('hashes the body itself when the registry gives no digest header for a tag', async () => {
    const { client, location } = await scripted((req, res) => {
      if (req.method === 'HEAD') return void res.writeHead(405).end();
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(MANIFEST);
    });
    expect((await client.resolve(`${location.registry}/evil/app:1`)).digest).toBe(MANIFEST_DIGEST);
  });

  it('refuses a blob whose bytes do not match its digest', async () => {
    const { client, location } = await scripted((_req, res) => void res.writeHead(200).end('not the blob you asked for'));
    await expect(client.getBlob(location, OTHER_DIGEST)).rejects.toThrow(DigestMismatchError);
  });

  it('refuses a manifest that is not JSON, and one that is JSON of the wrong shape', async () => {
    const invalid = Buffer.from('{"schemaVersion": 2, "layers": [');
    const { client, location } = await scripted((_req, res) => void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(invalid));
    await expect(client.getManifest(location, sha256(invalid))).rejects.toThrow(InvalidContentError);

    const wrongShape = Buffer.from('{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": "nope"}');
    const second = await scripted((_req, res) => void res.writeHead(200).end(wrongShape));
    await expect(second.client.getManifest(second.location, sha256(wrongShape))).rejects.toThrow(/invalid image manifest/);
  });

  it('stops reading an endless body at the limit (no Content-Length)', async () => {
    const { client, location } = await scripted((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      streamForever(res, Buffer.alloc(64 * 1024, 'x'));
    });
    await expect(client.getManifest(location, MANIFEST_DIGEST)).rejects.toThrow(ContentTooLargeError);
    await expect(client.getBlob(location, OTHER_DIGEST, 1024 * 1024)).rejects.toThrow(/larger than the limit of 1048576 bytes/);
  });

  it('refuses a body whose Content-Length announces more than the limit without reading it', async () => {
    const { client, location } = await scripted((_req, res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024 * 1024) });
      res.write('x');
    });
    await expect(client.getBlob(location, OTHER_DIGEST)).rejects.toThrow(ContentTooLargeError);
  });

  it('retries 5xx answers with backoff and succeeds when the registry recovers', async () => {
    let calls = 0;
    const { client, location } = await scripted((_req, res) => {
      calls += 1;
      if (calls <= 2) return void res.writeHead(503).end('busy');
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(MANIFEST);
    });
    const manifest = await client.getManifest(location, MANIFEST_DIGEST);
    expect(manifest.digest).toBe(MANIFEST_DIGEST);
    expect(calls).toBe(3);
  });

  it('gives up after the retries with RegistryUnavailableError carrying the status', async () => {
    const { client, location, server } = await scripted((_req, res) => void res.writeHead(502).end());
    const error = await client.getManifest(location, MANIFEST_DIGEST).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect((error as RegistryUnavailableError).status).toBe(502);
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a 4xx', async () => {
    const { client, location, server } = await scripted((_req, res) => void res.writeHead(400).end('{"errors":[{"code":"DIGEST_INVALID","message":"bad"}]}'));
    await expect(client.getManifest(location, MANIFEST_DIGEST)).rejects.toThrow(/400 \(DIGEST_INVALID: bad\)/);
    expect(server.requests).toHaveLength(1);
  });

  it('answers a Basic challenge with the configured credentials', async () => {
    const expected = `Basic ${Buffer.from('bob:pw').toString('base64')}`;
    const { client, location } = await scripted(
      (req, res) => {
        if (req.headers.authorization !== expected) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' }).end();
        res.writeHead(200).end(MANIFEST);
      },
      { credentials: () => ({ username: 'bob', password: 'pw' }) },
    );
    expect((await client.getManifest(location, MANIFEST_DIGEST)).digest).toBe(MANIFEST_DIGEST);
  });

  it('follows a blob redirect to another origin without sending the registry credentials there', async () => {
    const blob = Buffer.from('stored elsewhere');
    const storage = await startScriptedServer((req, res) => void res.writeHead(200).end(req.headers.authorization ? 'leaked' : blob));
    stops.push(() => storage.stop());
    const { client, location, server } = await scripted((req, res) => {
      if (req.headers.authorization !== 'Bearer registry-token') return void res.writeHead(401).end();
      res.writeHead(307, { location: `http://${storage.host}/bucket/object` }).end();
    }, { credentials: () => ({ token: 'registry-token' }) });
    // Plain HTTP must be allowed for both hosts: the redirect target gets the same checks as the registry.
    const both = new RegistryClient({ insecureRegistries: [location.registry, storage.host], allowPrivateTargets: true, credentials: () => ({ token: 'registry-token' }) });
    stops.push(() => both.close());
    expect((await both.getBlob(location, sha256(blob))).equals(blob)).toBe(true);
    expect(server.requests).toHaveLength(1);
    // …and a redirect to a host that is not allowed plain HTTP (only the registry is, for `client`) is refused.
    await expect(client.getBlob(location, sha256(blob))).rejects.toThrow(/refusing http:/);
  });
});
