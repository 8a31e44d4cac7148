import { generateKeyPairSync } from 'node:crypto';
import { startScriptedServer, startSilentServer, sha256, type Handler } from '../../../../test/support/oci-registry';
import { RegistryTimeoutError, RegistryUnavailableError } from '../errors/oci.errors';
import { RegistryClient } from '../registry/registry.client';
import { CosignVerifier } from './cosign.verifier';

const IMAGE_DIGEST = `sha256:${'4'.repeat(64)}`;
const PEM = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
const KEYS = [{ pem: PEM, label: 'release' }];

/** The `.sig` manifest a hostile registry serves: its layer blob will not match its digest. */
function sigManifest(layerDigest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(Buffer.from('{}')), size: 2 },
      layers: [
        { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: layerDigest, size: 10, annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ==' } },
        { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: layerDigest, size: 10 * 1024 * 1024, annotations: { 'dev.cosignproject.cosign/signature': 'MEUCIQ==' } },
        { mediaType: 'application/vnd.dev.cosign.simplesigning.v1+json', digest: layerDigest, size: 10, annotations: { 'dev.sigstore.cosign/certificate': '-----BEGIN CERTIFICATE-----' } },
        { mediaType: 'application/octet-stream', digest: layerDigest, size: 10 },
      ],
    }),
  );
}

describe('CosignVerifier against misbehaving registries', () => {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
  });

  async function verifierFor(handler: Handler, host?: string) {
    const server = host ? undefined : await startScriptedServer(handler);
    const target = host ?? server!.host;
    const client = new RegistryClient({ insecureRegistries: [target], allowPrivateTargets: true, timeoutMs: 300, retry: { retries: 1, baseDelayMs: 1 } });
    stops.push(() => client.close());
    if (server) stops.push(() => server.stop());
    return { verifier: new CosignVerifier(client), image: `${target}/evil/app@${IMAGE_DIGEST}` };
  }

  it('turns unusable layers into diagnostics: wrong blob digest, oversized, keyless, foreign media type', async () => {
    const layerDigest = sha256(Buffer.from('the real payload'));
    const manifest = sigManifest(layerDigest);
    const { verifier, image } = await verifierFor((req, res) => {
      if (req.url?.endsWith(`/manifests/${IMAGE_DIGEST.replace(':', '-')}.sig`) || req.url?.endsWith(`/manifests/${sha256(manifest)}`)) {
        return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha256(manifest) }).end(req.method === 'HEAD' ? undefined : manifest);
      }
      if (req.url?.includes('/manifests/')) return void res.writeHead(404).end();
      res.writeHead(200).end('a swapped payload');
    });
    const result = await verifier.verify({ image, keys: KEYS });
    expect(result.signatures).toEqual([]);
    expect(result.diagnostics.map((d) => d.message)).toEqual([
      expect.stringMatching(new RegExp(`^signature layer 0: cannot use the layer: .*registry served content with digest ${sha256(Buffer.from('a swapped payload'))}`)),
      'signature layer 1: 10485760 bytes is more than the 4194304-byte limit; skipped',
      'signature layer 2: keyless (certificate) signatures are not supported yet; skipped',
      'signature layer 3: media type application/octet-stream is not application/vnd.dev.cosign.simplesigning.v1+json; skipped',
    ]);
  });

  it('throws (never "unsigned") when the registry cannot be read', async () => {
    const failing = await verifierFor((_req, res) => void res.writeHead(503).end());
    await expect(failing.verifier.verify({ image: failing.image, keys: KEYS })).rejects.toThrow(RegistryUnavailableError);

    const silent = await startSilentServer();
    stops.push(() => silent.stop());
    const timingOut = await verifierFor(() => undefined, silent.host);
    await expect(timingOut.verifier.verify({ image: timingOut.image, keys: KEYS })).rejects.toThrow(RegistryTimeoutError);
  });
});
