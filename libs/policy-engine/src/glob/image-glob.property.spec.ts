import fc from 'fast-check';
import { compileImageGlob } from './image-glob.matcher';
import { parseImageReference } from './image-reference.parser';

const component = fc.stringMatching(/^[a-z0-9]{1,6}(?:[-_.][a-z0-9]{1,4})?$/);
const registry = fc.constantFrom('', 'docker.io/', 'index.docker.io/', 'ghcr.io/', 'quay.io/', 'localhost:5000/', 'registry.local:5000/');
const tag = fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,6}$/), { nil: undefined });
const digest = fc.option(fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`), { nil: undefined });
const reference = fc
  .tuple(registry, fc.array(component, { minLength: 1, maxLength: 3 }), tag, digest)
  .map(([host, path, t, d]) => `${host}${path.join('/')}${t ? `:${t}` : ''}${d ? `@${d}` : ''}`);

/** A glob derived from a reference by replacing some segments with * or **. */
const globFrom = fc.tuple(reference, fc.array(fc.constantFrom('keep', '*', '**'), { minLength: 1, maxLength: 5 })).map(([ref, ops]) => {
  const segments = ref.split('/');
  return segments.map((segment, i) => (ops[i % ops.length] === 'keep' ? segment : ops[i % ops.length])).join('/');
});

describe('glob properties', () => {
  it('a glob without wildcards matches exactly the references that normalise to it', () => {
    fc.assert(
      fc.property(reference, reference, (glob, image) => {
        const same = parseImageReference(glob).canonical === parseImageReference(image).canonical;
        expect(compileImageGlob(glob).matches(image)).toBe(same);
        expect(compileImageGlob(glob).matches(glob)).toBe(true);
      }),
    );
  });

  it('** matches at least what * matches (replacing a * by ** only widens)', () => {
    fc.assert(
      fc.property(globFrom, reference, (glob, image) => {
        fc.pre(glob.includes('*'));
        const wider = glob.replace(/(?<!\*)\*(?!\*)/, '**');
        if (compileImageGlob(glob).matches(image)) expect(compileImageGlob(wider).matches(image)).toBe(true);
      }),
    );
  });

  it('** matches every valid reference', () => {
    fc.assert(fc.property(reference, (image) => expect(compileImageGlob('**').matches(image)).toBe(true)));
  });

  it('registry/** matches every reference in that registry and none elsewhere', () => {
    fc.assert(
      fc.property(reference, (image) => {
        const parsed = parseImageReference(image);
        expect(compileImageGlob(`${parsed.registry}/**`).matches(image)).toBe(true);
        expect(compileImageGlob('elsewhere.example/**').matches(image)).toBe(false);
      }),
    );
  });

  it('a glob derived from a reference matches that reference', () => {
    fc.assert(
      fc.property(reference, fc.integer({ min: 0, max: 3 }), (image, index) => {
        const canonical = parseImageReference(image).canonical;
        const segments = canonical.split('/');
        const i = Math.min(index, segments.length - 1);
        // Replace one whole segment (registry or path) with * — still matches.
        const glob = segments.map((s, j) => (j === i ? (i === 0 ? '*' + s.slice(1) : '*') : s)).join('/');
        fc.pre(glob !== '*' && glob !== '*/*');
        expect(compileImageGlob(glob).matches(image)).toBe(true);
      }),
    );
  });

  it('* never crosses a path segment', () => {
    fc.assert(
      fc.property(reference, (image) => {
        const parsed = parseImageReference(image);
        const depth = parsed.repository.split('/').length;
        const stars = Array.from({ length: depth }, () => '*').join('/');
        expect(compileImageGlob(`${parsed.registry}/${stars}`).matches(image)).toBe(true);
        expect(compileImageGlob(`${parsed.registry}/${stars}/*`).matches(image)).toBe(false);
        // (On Docker Hub a lone `*` means library/*, like policy-controller's `*`.)
        if (depth > 1 && parsed.registry !== 'index.docker.io') expect(compileImageGlob(`${parsed.registry}/*`).matches(parsed.canonical)).toBe(false);
      }),
    );
  });
});
