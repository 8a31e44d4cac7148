import { parseImageReference, type ImageReference } from '@vigil/policy-engine';
import { InvalidContentError, NotFoundError, RegistryProtocolError, RegistryUnauthorizedError } from '../errors/oci.errors';
import { ContentCache } from './content-cache';
import { assertDigest, computeDigest, isDigest, parseDigest } from './digest';
import { parseManifest, type ParsedManifest } from './manifest.parser';
import { MANIFEST_ACCEPT } from './media-types';
import { RegistryAuthenticator } from './registry-auth';
import type { RegistryClientOptions } from './registry-client.options';
import { header, RegistryHttpTransport, type HttpRequest, type HttpResponse } from './registry-http.transport';
import { DEFAULT_RETRY } from './retry-policy';

/** Where content lives: `ImageReference` fits, so does `{registry, repository}`. */
export interface RepositoryLocation {
  readonly registry: string;
  readonly repository: string;
}

export interface ManifestDescriptor {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

export interface FetchedManifest extends ManifestDescriptor {
  readonly bytes: Buffer;
  readonly parsed: ParsedManifest;
}

export interface ResolvedImage extends ManifestDescriptor {
  readonly reference: ImageReference;
  /** True when the digest is an image index (multi-arch); pick a platform with `selectPlatformManifest`. */
  readonly isIndex: boolean;
}

const DEFAULT_MANIFEST_LIMIT = 4 * 1024 * 1024;
const DEFAULT_BLOB_LIMIT = 16 * 1024 * 1024;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
/** Docker Hub's API does not live at the host image references name. */
const API_HOSTS: Readonly<Record<string, string>> = { 'index.docker.io': 'registry-1.docker.io', 'docker.io': 'registry-1.docker.io' };

/**
 * OCI distribution API client: tag → digest, manifests and blobs (always
 * verified against their digest, bounded in size, cached by digest), and
 * pushes. Tags are resolved again on every call; digests come from the cache.
 */
export class RegistryClient {
  private readonly transport: RegistryHttpTransport;
  private readonly auth: RegistryAuthenticator;
  private readonly cache: ContentCache;
  private readonly maxManifestBytes: number;
  private readonly maxBlobBytes: number;

  constructor(options: RegistryClientOptions = {}) {
    this.transport = new RegistryHttpTransport({
      timeoutMs: options.timeoutMs ?? 15_000,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      allowPrivateTargets: options.allowPrivateTargets ?? false,
      insecureHosts: new Set((options.insecureRegistries ?? []).map((h) => h.trim().toLowerCase()).filter(Boolean)),
      resolver: options.resolver,
      userAgent: options.userAgent ?? 'vigil-oci/1',
    });
    this.auth = new RegistryAuthenticator(this.transport, options.credentials);
    this.cache = options.cache ?? new ContentCache();
    this.maxManifestBytes = options.maxManifestBytes ?? DEFAULT_MANIFEST_LIMIT;
    this.maxBlobBytes = options.maxBlobBytes ?? DEFAULT_BLOB_LIMIT;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** Reference (string or parsed) → its manifest digest. A digest reference is checked to exist. */
  async resolve(reference: string | ImageReference): Promise<ResolvedImage> {
    const ref = typeof reference === 'string' ? parseImageReference(reference) : reference;
    const manifest = await this.getManifest(ref, ref.digest ?? ref.tag ?? 'latest');
    return {
      reference: ref,
      digest: manifest.digest,
      mediaType: manifest.mediaType,
      size: manifest.size,
      isIndex: manifest.parsed.kind === 'index',
    };
  }

  /**
   * A manifest by tag or digest. For a tag, HEAD finds the digest so a cached
   * manifest is not downloaded again; registries that omit the digest header
   * get a GET whose body is hashed instead.
   */
  async getManifest(location: RepositoryLocation, tagOrDigest: string): Promise<FetchedManifest> {
    const what = `manifest ${location.registry}/${location.repository}${isDigest(tagOrDigest) ? '@' : ':'}${tagOrDigest}`;
    if (isDigest(tagOrDigest)) return this.getManifestByDigest(location, tagOrDigest, what);
    if (!TAG.test(tagOrDigest)) throw new InvalidContentError(`${what}: not a valid tag or sha256/sha512 digest`);

    const head = await this.send(location, 'pull', { method: 'HEAD', url: this.url(location, `manifests/${tagOrDigest}`), headers: { accept: MANIFEST_ACCEPT }, maxBytes: 0, what });
    if (head.status === 404) throw new NotFoundError(`${what}: not found`);
    const announced = header(head.headers, 'docker-content-digest');
    if (head.status === 200 && announced && isDigest(announced)) return this.getManifestByDigest(location, announced, what);

    const response = await this.expectOk(
      await this.send(location, 'pull', { method: 'GET', url: this.url(location, `manifests/${tagOrDigest}`), headers: { accept: MANIFEST_ACCEPT }, maxBytes: this.maxManifestBytes, what }),
      what,
    );
    const digest = computeDigest(response.body);
    const claimed = header(response.headers, 'docker-content-digest');
    if (claimed && parseDigest(claimed)?.algorithm === 'sha256' && claimed !== digest) assertDigest(response.body, claimed, what);
    return this.remember(location, digest, response.body, header(response.headers, 'content-type'), what);
  }

  /** Blob bytes, verified against `digest`, at most `maxBytes` (default: the client's blob limit). */
  async getBlob(location: RepositoryLocation, digest: string, maxBytes = this.maxBlobBytes): Promise<Buffer> {
    const what = `blob ${location.registry}/${location.repository}@${digest}`;
    if (!isDigest(digest)) throw new InvalidContentError(`${what}: not a sha256/sha512 digest`);
    const key = this.cacheKey(location, digest);
    const cached = this.cache.get(key);
    if (cached) return cached.bytes;
    const response = await this.expectOk(await this.send(location, 'pull', { method: 'GET', url: this.url(location, `blobs/${digest}`), maxBytes, what }), what);
    assertDigest(response.body, digest, what);
    this.cache.set(key, { bytes: response.body });
    return response.body;
  }

  /** Uploads a blob (monolithic POST then PUT) unless the registry has it already; returns its digest. */
  async pushBlob(location: RepositoryLocation, bytes: Buffer): Promise<ManifestDescriptor & { mediaType: 'application/octet-stream' }> {
    const digest = computeDigest(bytes);
    const what = `blob upload ${location.registry}/${location.repository}@${digest}`;
    const descriptor = { digest, size: bytes.length, mediaType: 'application/octet-stream' as const };
    const exists = await this.send(location, 'pull,push', { method: 'HEAD', url: this.url(location, `blobs/${digest}`), maxBytes: 0, what });
    if (exists.status === 200) return descriptor;

    const started = await this.send(location, 'pull,push', { method: 'POST', url: this.url(location, 'blobs/uploads/'), headers: { 'content-length': '0' }, maxBytes: 64 * 1024, what });
    if (started.status !== 202) throw this.unexpected(started, what);
    const uploadLocation = header(started.headers, 'location');
    if (!uploadLocation) throw new RegistryProtocolError(`${what}: upload started without a Location`);
    const uploadUrl = new URL(uploadLocation, started.url);
    uploadUrl.searchParams.set('digest', digest);
    const finished = await this.send(location, 'pull,push', {
      method: 'PUT',
      url: uploadUrl,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
      body: bytes,
      maxBytes: 64 * 1024,
      what,
    });
    if (finished.status !== 201) throw this.unexpected(finished, what);
    return descriptor;
  }

  /** Stores a manifest under a tag or its digest; returns its digest. */
  async pushManifest(location: RepositoryLocation, tagOrDigest: string, bytes: Buffer, mediaType: string): Promise<string> {
    const digest = computeDigest(bytes);
    const what = `manifest upload ${location.registry}/${location.repository}:${tagOrDigest}`;
    if (isDigest(tagOrDigest)) assertDigest(bytes, tagOrDigest, what);
    const response = await this.send(location, 'pull,push', {
      method: 'PUT',
      url: this.url(location, `manifests/${tagOrDigest}`),
      headers: { 'content-type': mediaType },
      body: bytes,
      maxBytes: 64 * 1024,
      what,
    });
    if (response.status !== 201) throw this.unexpected(response, what);
    return digest;
  }

  private async getManifestByDigest(location: RepositoryLocation, digest: string, what: string): Promise<FetchedManifest> {
    const cached = this.cache.get(this.cacheKey(location, digest));
    if (cached) return this.describe(digest, cached.bytes, cached.mediaType, what);
    const response = await this.expectOk(
      await this.send(location, 'pull', { method: 'GET', url: this.url(location, `manifests/${digest}`), headers: { accept: MANIFEST_ACCEPT }, maxBytes: this.maxManifestBytes, what }),
      what,
    );
    assertDigest(response.body, digest, what);
    return this.remember(location, digest, response.body, header(response.headers, 'content-type'), what);
  }

  private remember(location: RepositoryLocation, digest: string, bytes: Buffer, contentType: string | undefined, what: string): FetchedManifest {
    const fetched = this.describe(digest, bytes, contentType, what);
    // Only content that parsed is cached: a broken manifest is re-fetched (and re-refused) next time.
    this.cache.set(this.cacheKey(location, digest), { bytes, mediaType: fetched.mediaType });
    return fetched;
  }

  private describe(digest: string, bytes: Buffer, contentType: string | undefined, what: string): FetchedManifest {
    const parsed = parseManifest(bytes, contentType, what);
    return { digest, mediaType: parsed.mediaType, size: bytes.length, bytes, parsed };
  }

  private send(location: RepositoryLocation, actions: 'pull' | 'pull,push', req: HttpRequest): Promise<HttpResponse> {
    return this.auth.send(location.registry, `repository:${location.repository}:${actions}`, req);
  }

  private async expectOk(response: HttpResponse, what: string): Promise<HttpResponse> {
    if (response.status === 200) return response;
    throw this.unexpected(response, what);
  }

  private unexpected(response: HttpResponse, what: string): Error {
    const detail = registryErrorDetail(response.body);
    if (response.status === 404) return new NotFoundError(`${what}: not found${detail}`);
    if (response.status === 401 || response.status === 403) return new RegistryUnauthorizedError(`${what}: access denied (${response.status})${detail}`, response.status);
    return new RegistryProtocolError(`${what}: registry answered ${response.status}${detail}`, response.status);
  }

  private url(location: RepositoryLocation, path: string): URL {
    // Locations may come from callers, not only from parsed references: nothing may steer the URL elsewhere.
    if (!HOST.test(location.registry) || !REPOSITORY.test(location.repository)) {
      throw new InvalidContentError(`not a valid registry/repository: ${location.registry}/${location.repository}`);
    }
    const host = API_HOSTS[location.registry] ?? location.registry;
    const scheme = this.transport.isInsecure(host) || this.transport.isInsecure(location.registry) ? 'http' : 'https';
    return new URL(`${scheme}://${host}/v2/${location.repository}/${path}`);
  }

  private cacheKey(location: RepositoryLocation, digest: string): string {
    return `${location.registry}/${location.repository}@${digest}`;
  }
}

/** The registry's own error codes (`MANIFEST_UNKNOWN: …`), when its body has them. */
function registryErrorDetail(body: Buffer): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
    const first = parsed.errors?.[0];
    if (first && typeof first.code === 'string') return ` (${first.code}${typeof first.message === 'string' ? `: ${first.message.slice(0, 200)}` : ''})`;
  } catch {
    // Not JSON: the status says enough.
  }
  return '';
}
