import { IMAGE_DIGEST_PATTERN } from './common.schema';

// status.containerStatuses[].imageID differs per runtime:
//   docker-pullable://nginx@sha256:<hex>        (dockershim, pulled)
//   docker.io/library/nginx@sha256:<hex>        (containerd, CRI-O)
//   docker://sha256:<hex>, sha256:<hex>         (image loaded locally, no repo digest)
//   ""                                          (not started yet)
const WITH_REPO = /^(?:[a-z][a-z0-9+.-]*:\/\/)?[^\s@]+@(sha256:[a-f0-9]{64})$/;
const BARE = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(sha256:[a-f0-9]{64})$/;

/**
 * The `sha256:<64 hex>` digest in a container status imageID, or undefined when
 * there is none (empty, other algorithm, malformed).
 *
 * A bare `sha256:` id (locally loaded image) is the runtime's image id, not a
 * registry manifest digest. It is still returned: hiding an unpublished image from
 * inventory would let it run unverified, while reporting it makes it fail
 * verification visibly (no registry holds it).
 */
export function parseImageDigestFromImageId(imageID: string | null | undefined): string | undefined {
  if (typeof imageID !== 'string' || imageID.length > 2048) return undefined;
  const match = WITH_REPO.exec(imageID) ?? BARE.exec(imageID);
  const digest = match?.[1];
  return digest !== undefined && IMAGE_DIGEST_PATTERN.test(digest) ? digest : undefined;
}
