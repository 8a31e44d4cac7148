import { parseImageDigestFromImageId } from './image-id';
import { DIGEST } from './test-fixtures';

describe('parseImageDigestFromImageId', () => {
  it.each([
    ['dockershim', `docker-pullable://nginx@${DIGEST}`],
    ['dockershim with registry and port', `docker-pullable://registry.local:5000/team/app@${DIGEST}`],
    ['containerd / CRI-O', `docker.io/library/nginx@${DIGEST}`],
    ['a locally loaded image (runtime image id)', `docker://${DIGEST}`],
    ['a bare digest', DIGEST],
  ])('extracts the digest from %s', (_label, imageID) => {
    expect(parseImageDigestFromImageId(imageID)).toBe(DIGEST);
  });

  it.each([
    ['empty (container not started)', ''],
    ['undefined', undefined],
    ['null', null],
    ['another algorithm', `docker.io/library/nginx@sha512:${'a'.repeat(128)}`],
    ['a short hex', `nginx@sha256:${'a'.repeat(63)}`],
    ['upper-case hex', `nginx@sha256:${'A'.repeat(64)}`],
    ['trailing garbage', `nginx@${DIGEST}x`],
    ['a tag only', 'nginx:1.27'],
    ['two digests', `nginx@${DIGEST}@${DIGEST}`],
    ['a huge string', `${'a'.repeat(5000)}@${DIGEST}`],
  ])('returns undefined for %s', (_label, imageID) => {
    expect(parseImageDigestFromImageId(imageID)).toBeUndefined();
  });
});
