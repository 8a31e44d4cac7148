/**
 * Image reference parsing with Docker's reference grammar and the
 * normalisation go-containerregistry applies (which policy-controller globs
 * are matched against): Docker Hub is `index.docker.io`, single-segment
 * Docker Hub repositories live under `library/`, and a reference with
 * neither tag nor digest means `:latest`.
 */

export const DOCKER_HUB_REGISTRY = 'index.docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
export const DEFAULT_TAG = 'latest';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const IPV6_HOST = /^\[[0-9a-fA-F:.]+\](?::[0-9]+)?$/;
const MAX_NAME_LENGTH = 255;

export interface ImageReference {
  /** Registry host (with port), e.g. `ghcr.io`, `index.docker.io`. */
  readonly registry: string;
  /** Repository path inside the registry, e.g. `library/nginx`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** `registry/repository`. */
  readonly name: string;
  /** Fully qualified form: `name[:tag][@digest]`, `:latest` when neither is given. */
  readonly canonical: string;
}

export class InvalidImageReferenceError extends Error {
  constructor(
    readonly reference: string,
    readonly reason: string,
  ) {
    super(`invalid image reference "${reference}": ${reason}`);
    this.name = 'InvalidImageReferenceError';
  }
}

/** Docker's rule: the first component is a registry when it looks like a host. */
export function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component.startsWith('[');
}

/** Canonical Docker Hub host and `library/` prefix for a registry + path pair. */
export function normaliseRegistryAndPath(registry: string, path: string): { registry: string; path: string } {
  const lower = registry.toLowerCase();
  if (DOCKER_HUB_ALIASES.has(lower)) {
    return { registry: DOCKER_HUB_REGISTRY, path: path.includes('/') ? path : `library/${path}` };
  }
  return { registry: lower, path };
}

export function parseImageReference(reference: string): ImageReference {
  const fail = (reason: string): never => {
    throw new InvalidImageReferenceError(reference, reason);
  };
  if (typeof reference !== 'string' || reference.length === 0) fail('empty');
  if (reference !== reference.trim()) fail('surrounding whitespace');

  let rest = reference;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) fail(`bad digest "${digest}"`);
  }

  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', lastSlash + 1);
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) fail(`bad tag "${tag}"`);
  }
  if (rest.length === 0) fail('missing repository');

  const slash = rest.indexOf('/');
  let registry = DOCKER_HUB_REGISTRY;
  let path = rest;
  if (slash >= 0 && looksLikeRegistry(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    path = rest.slice(slash + 1);
    if (!HOST.test(registry) && !IPV6_HOST.test(registry)) fail(`bad registry "${registry}"`);
  }
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      fail(`bad repository component "${component}" (lowercase letters, digits and separators only)`);
    }
  }
  const normalised = normaliseRegistryAndPath(registry, path);
  const name = `${normalised.registry}/${normalised.path}`;
  if (name.length > MAX_NAME_LENGTH) fail(`name longer than ${MAX_NAME_LENGTH} characters`);

  const suffix = (tag ? `:${tag}` : '') + (digest ? `@${digest}` : '');
  return {
    registry: normalised.registry,
    repository: normalised.path,
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
    name,
    canonical: name + (suffix || `:${DEFAULT_TAG}`),
  };
}

export function tryParseImageReference(reference: string): ImageReference | undefined {
  try {
    return parseImageReference(reference);
  } catch {
    return undefined;
  }
}
