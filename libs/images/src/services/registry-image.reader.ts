import { Inject, Injectable, Optional } from '@nestjs/common';
import { ContentCache, cosignTag, NotFoundError, type RepositoryLocation, RegistryClient, registryOptionsFromConfig, selectPlatformManifest } from '@vigil/oci';
import { OrgRegistryCredentials } from '@vigil/registries';
import { PLATFORM_CONFIG, PlatformConfig } from '@vigil/shared/config';
import { catalogImageLayers, CatalogError, DEFAULT_SBOM_LIMITS, type ImageCatalog, type LayerCatalogLimits, type LayerSource } from '@vigil/supply-chain';

export interface RegistryReadLimits {
  /** Compressed size of one layer blob; the client buffers one layer at a time (it has no streaming blob read). */
  maxLayerBytes: number;
  catalog: Partial<LayerCatalogLimits>;
}

export const DEFAULT_REGISTRY_READ_LIMITS: RegistryReadLimits = {
  maxLayerBytes: 512 * 1024 * 1024,
  catalog: { maxDecompressedBytes: 8 * 1024 * 1024 * 1024, maxCollectedBytes: 128 * 1024 * 1024 },
};

const SBOM_LAYER_TYPES = ['application/spdx+json', 'text/spdx+json', 'application/vnd.cyclonedx+json', 'application/vnd.cyclonedx'];

/** Where an image's content lives, given how it was referenced. */
export type ImageLocation = RepositoryLocation;

/**
 * Reads what the images context needs from registries: an SBOM attached to a
 * digest (cosign's `sha256-<hex>.sbom` tag) and the layers of the image itself,
 * fed one at a time into the cataloger, logged in with the org's registry
 * credentials when it has some.
 */
@Injectable()
export class RegistryImageReader {
  private readonly limits: RegistryReadLimits = DEFAULT_REGISTRY_READ_LIMITS;

  constructor(
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    @Optional() private readonly logins?: OrgRegistryCredentials,
  ) {}

  private client(orgId: string): RegistryClient {
    // Small cache: layer blobs must not pile up in memory (they are read once).
    return new RegistryClient({
      ...registryOptionsFromConfig(this.config.env),
      credentials: this.logins?.providerFor(orgId),
      cache: new ContentCache(64, 8 * 1024 * 1024),
      timeoutMs: 60_000,
    });
  }

  /** The attached SBOM's bytes, or null when the digest has none. */
  async attachedSbom(orgId: string, location: ImageLocation, digest: string): Promise<Buffer | null> {
    const client = this.client(orgId);
    try {
      let manifest;
      try {
        manifest = await client.getManifest(location, cosignTag(digest, 'sbom'));
      } catch (err) {
        if (err instanceof NotFoundError) return null;
        throw err;
      }
      if (manifest.parsed.kind !== 'manifest') return null;
      const layer = manifest.parsed.manifest.layers.find((l) => SBOM_LAYER_TYPES.includes(l.mediaType.split(';')[0].trim()));
      return layer ? await client.getBlob(location, layer.digest, DEFAULT_SBOM_LIMITS.maxBytes) : null;
    } finally {
      await client.close();
    }
  }

  /** Catalogs the image's installed packages from its layers (linux/amd64 of an index). */
  async catalog(orgId: string, location: ImageLocation, digest: string): Promise<ImageCatalog> {
    const client = this.client(orgId);
    try {
      let manifest = await client.getManifest(location, digest);
      if (manifest.parsed.kind === 'index') {
        const entry = selectPlatformManifest(manifest.parsed.index, { os: 'linux', architecture: 'amd64' });
        if (!entry) throw new CatalogError('invalid-layer', 'the image index has no linux/amd64 image');
        manifest = await client.getManifest(location, entry.digest);
      }
      if (manifest.parsed.kind !== 'manifest') throw new CatalogError('invalid-layer', 'not an image manifest');
      const layers = manifest.parsed.manifest.layers;
      const max = this.limits.maxLayerBytes;
      for (const [i, layer] of layers.entries()) {
        if (layer.size > max) throw new CatalogError('entry-too-large', `layer is ${layer.size} bytes compressed (limit ${max})`, i);
      }
      async function* blobs(): AsyncGenerator<LayerSource> {
        for (const layer of layers) yield [await client.getBlob(location, layer.digest, max)];
      }
      return await catalogImageLayers(blobs(), this.limits.catalog);
    } finally {
      await client.close();
    }
  }
}
