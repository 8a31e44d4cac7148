import { InvalidImageReferenceError, parseImageReference } from './image-reference.parser';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('parseImageReference', () => {
  it.each([
    ['nginx', 'index.docker.io', 'library/nginx', undefined, 'index.docker.io/library/nginx:latest'],
    ['nginx:1.25', 'index.docker.io', 'library/nginx', '1.25', 'index.docker.io/library/nginx:1.25'],
    ['docker.io/x/y', 'index.docker.io', 'x/y', undefined, 'index.docker.io/x/y:latest'],
    ['docker.io/nginx', 'index.docker.io', 'library/nginx', undefined, 'index.docker.io/library/nginx:latest'],
    ['registry-1.docker.io/x/y:2', 'index.docker.io', 'x/y', '2', 'index.docker.io/x/y:2'],
    ['myuser/myapp', 'index.docker.io', 'myuser/myapp', undefined, 'index.docker.io/myuser/myapp:latest'],
    ['ghcr.io/acme/app:v1', 'ghcr.io', 'acme/app', 'v1', 'ghcr.io/acme/app:v1'],
    ['localhost:5000/app', 'localhost:5000', 'app', undefined, 'localhost:5000/app:latest'],
    ['registry.local:5000/policy-controller/demo', 'registry.local:5000', 'policy-controller/demo', undefined, 'registry.local:5000/policy-controller/demo:latest'],
    ['GHCR.io/acme/app', 'ghcr.io', 'acme/app', undefined, 'ghcr.io/acme/app:latest'],
  ])('%s', (input, registry, repository, tag, canonical) => {
    const ref = parseImageReference(input);
    expect(ref).toMatchObject({ registry, repository, canonical });
    expect(ref.tag).toBe(tag);
    expect(ref.name).toBe(`${registry}/${repository}`);
  });

  it('keeps digests and omits the default tag when one is present', () => {
    const ref = parseImageReference(`ghcr.io/acme/app@${DIGEST}`);
    expect(ref.digest).toBe(DIGEST);
    expect(ref.tag).toBeUndefined();
    expect(ref.canonical).toBe(`ghcr.io/acme/app@${DIGEST}`);
  });

  it('keeps both tag and digest', () => {
    const ref = parseImageReference(`nginx:1.25@${DIGEST}`);
    expect(ref).toMatchObject({ tag: '1.25', digest: DIGEST, canonical: `index.docker.io/library/nginx:1.25@${DIGEST}` });
  });

  it.each(['', 'UPPER/case', 'ghcr.io/acme/app:bad tag', 'ghcr.io/acme/app@sha256:short', 'a//b', 'invalid&name', ' nginx', 'ghcr.io/', ':tag'])(
    'rejects %j',
    (input) => {
      expect(() => parseImageReference(input)).toThrow(InvalidImageReferenceError);
    },
  );
});
