import { compileImageGlob, InvalidGlobError, normaliseGlob } from './image-glob.matcher';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('compileImageGlob — policy-controller cases (pkg/apis/glob/glob_test.go)', () => {
  it.each([
    ['foo', 'index.docker.io/library/foo:latest', true],
    ['foo', 'index.docker.io/library/foo:*', true],
    ['foo', 'index.docker.io/library/*', true],
    ['foo', 'index.docker.io/library/*:latest', true],
    ['foo', 'index.docker.io/*/*', true],
    ['foo', 'index.docker.io/**', true],
    ['foo', 'index.docker.**', true],
    ['foo', 'inde**', true],
    ['foo', '**', true],
    ['foo', 'foo', true],
    ['foo', 'foo*', true],
    ['foo', 'foo**', true],
    ['myuser/myapp', 'index.docker.io/myuser/myapp:latest', true],
    ['myuser/myapp', 'index.docker.io/myuser/*', true],
    ['myuser/myapp', 'index.docker.io/*/*', true],
    ['myuser/myapp', 'myuser/myapp', true],
    ['myuser/myapp', 'myuser/myapp*', true],
    ['myuser/myapp', 'myuser/myapp**', true],
    ['ghcr.io/foo/bar', 'ghcr.io/*/*', true],
    ['ghcr.io/foo/bar', 'ghcr.io/**', true],
    ['ghcr.io/foo', 'ghcr.io/*/*', false],
    ['ghcr.io/foo', 'ghcr.io/**', true],
    ['ghcr.io/foo', 'ghc**', true],
    ['ghcr.io/foo', '*/**', true],
    ['ghcr.io/foo', 'ghcr.io/foo*', true],
    ['prefix-ghcr.io/foo', 'ghcr.io/foo', false],
    ['ghcr.io/foo-suffix', 'ghcr.io/foo', false],
    ['ghcrxio/foo', 'ghcr.io/**', false],
    ['invalid&name', '**', false],
    ['foo', '*', true],
    ['myuser/myapp', '*/*', true],
  ])('image %s, glob %s → %s', (image, glob, expected) => {
    expect(compileImageGlob(glob).matches(image)).toBe(expected);
  });

  it.each(['.+', '[a-z]*', '', 'ghcr.io/Foo'])('rejects glob %j', (glob) => {
    expect(() => compileImageGlob(glob)).toThrow(InvalidGlobError);
  });
});

describe('compileImageGlob — Docker Hub normalisation and tags', () => {
  it.each([
    ['nginx', 'index.docker.io/library/nginx:latest'],
    ['docker.io/x/y', 'index.docker.io/x/y:latest'],
    ['docker.io/library/*', 'index.docker.io/library/*'],
    ['docker.io/**', 'index.docker.io/**'],
    ['library/nginx*', 'index.docker.io/library/nginx*'],
    ['nginx:*', 'index.docker.io/library/nginx:*'],
    ['**demo**', '**demo**'],
    ['registry.k8s.io/**', 'registry.k8s.io/**'],
  ])('%s normalises to %s', (glob, normalised) => {
    expect(compileImageGlob(glob).normalised).toBe(normalised);
  });

  it('matches Docker Hub spellings of the same image', () => {
    const glob = compileImageGlob('docker.io/library/nginx:*');
    for (const image of ['nginx', 'nginx:1.25', 'docker.io/nginx:1.25', 'index.docker.io/library/nginx:1.25']) {
      expect(glob.matches(image)).toBe(true);
    }
    expect(glob.matches('ghcr.io/library/nginx:1.25')).toBe(false);
  });

  it('treats a wildcard-free glob as one reference (implicit :latest)', () => {
    const glob = compileImageGlob('ghcr.io/acme/app');
    expect(glob.matches('ghcr.io/acme/app')).toBe(true);
    expect(glob.matches('ghcr.io/acme/app:latest')).toBe(true);
    expect(glob.matches('ghcr.io/acme/app:v2')).toBe(false);
    expect(glob.matches(`ghcr.io/acme/app@${DIGEST}`)).toBe(false);
  });

  it('lets * cover a tag or digest but not a path segment', () => {
    const glob = compileImageGlob('quay.io/jetstack/cert-manager-*');
    expect(glob.matches('quay.io/jetstack/cert-manager-controller:v1.13.0')).toBe(true);
    expect(glob.matches(`quay.io/jetstack/cert-manager-webhook@${DIGEST}`)).toBe(true);
    expect(glob.matches('quay.io/jetstack/cert-manager-x/sub:v1')).toBe(false);
    expect(glob.matches('quay.io/jetstack/other:v1')).toBe(false);
  });

  it('matches **demo** against the e2e registry', () => {
    expect(compileImageGlob('**demo**').matches('registry.local:5000/policy-controller/demo:latest')).toBe(true);
    expect(compileImageGlob('**demo**').matches('ghcr.io/acme/app')).toBe(false);
  });

  it('keeps policy-controller special cases for * and */*', () => {
    expect(normaliseGlob('*')).toBe('index.docker.io/library/*');
    expect(normaliseGlob('*/*')).toBe('index.docker.io/*/*');
    expect(compileImageGlob('*').matches('ghcr.io/foo')).toBe(false);
  });
});
