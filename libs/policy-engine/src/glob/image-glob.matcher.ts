import {
  DOCKER_HUB_REGISTRY,
  ImageReference,
  looksLikeRegistry,
  normaliseRegistryAndPath,
  tryParseImageReference,
} from './image-reference.parser';

/**
 * sigstore policy-controller glob semantics (pkg/apis/glob): `*` matches within
 * one path segment, `**` across segments, the glob must match the whole
 * fully-qualified reference (`registry/repo:tag` or `registry/repo@digest`,
 * `:latest` implied), and — deprecated upstream but kept so existing
 * policies behave the same — a glob may also match the reference as written.
 *
 * Vigil additionally normalises the glob's Docker Hub prefix (`nginx*`-style
 * single segments excepted) so `docker.io/x/y` and `x/y` mean
 * `index.docker.io/x/y`, and compares a wildcard-free glob as a reference, so
 * it matches exactly the references that normalise to the same thing.
 */

// policy-controller's character set, plus `@` so a glob can pin a digest.
const VALID_GLOB = /^[a-zA-Z0-9\-_:/*.@]+$/;

export class InvalidGlobError extends Error {
  constructor(
    readonly glob: string,
    readonly reason: string,
  ) {
    super(`invalid glob "${glob}": ${reason}`);
    this.name = 'InvalidGlobError';
  }
}

export interface ImageGlob {
  /** The glob as written in the policy. */
  readonly source: string;
  /** The glob after Docker Hub normalisation; what is actually matched. */
  readonly normalised: string;
  /**
   * `written` is the reference as the workload spelled it, for the
   * policy-controller fallback when an already-parsed reference is passed.
   */
  matches(reference: string | ImageReference, written?: string): boolean;
}

export function normaliseGlob(glob: string): string {
  // policy-controller's own special cases.
  if (glob === '*') return `${DOCKER_HUB_REGISTRY}/library/*`;
  if (glob === '*/*') return `${DOCKER_HUB_REGISTRY}/*/*`;
  const slash = glob.indexOf('/');
  if (slash < 0) {
    const namePart = glob.split(/[:@]/)[0] ?? '';
    return namePart.includes('*') ? glob : `${DOCKER_HUB_REGISTRY}/library/${glob}`;
  }
  const first = glob.slice(0, slash);
  if (first.includes('*')) return glob;
  if (!looksLikeRegistry(first)) return `${DOCKER_HUB_REGISTRY}/${glob}`;
  const rest = glob.slice(slash + 1);
  if (rest.includes('**')) return `${normaliseRegistryAndPath(first, 'x/x').registry}/${rest}`;
  const { registry, path } = normaliseRegistryAndPath(first, rest);
  return `${registry}/${path}`;
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        source += '.*';
        while (glob[i + 1] === '*') i++;
      } else {
        source += '[^/]*';
      }
    } else {
      source += c === '.' ? '\\.' : c;
    }
  }
  return new RegExp(`^${source}$`);
}

export function compileImageGlob(glob: string): ImageGlob {
  if (typeof glob !== 'string' || glob.length === 0) throw new InvalidGlobError(String(glob), 'empty');
  if (!VALID_GLOB.test(glob)) {
    throw new InvalidGlobError(glob, 'only letters, digits and - _ : / . @ * are allowed');
  }
  if (!glob.includes('*')) {
    const exact = tryParseImageReference(glob);
    if (!exact) throw new InvalidGlobError(glob, 'a glob without wildcards must be a valid image reference');
    return {
      source: glob,
      normalised: exact.canonical,
      matches: (reference) => toReference(reference)?.canonical === exact.canonical,
    };
  }
  const normalised = normaliseGlob(glob);
  const pattern = globToRegExp(normalised);
  const asWritten = normalised === glob ? pattern : globToRegExp(glob);
  return {
    source: glob,
    normalised,
    matches: (reference, written) => {
      const parsed = toReference(reference);
      if (!parsed) return false;
      if (pattern.test(parsed.canonical)) return true;
      const raw = typeof reference === 'string' ? reference : written;
      return raw !== undefined && raw !== parsed.canonical && asWritten.test(raw);
    },
  };
}

function toReference(reference: string | ImageReference): ImageReference | undefined {
  return typeof reference === 'string' ? tryParseImageReference(reference) : reference;
}
