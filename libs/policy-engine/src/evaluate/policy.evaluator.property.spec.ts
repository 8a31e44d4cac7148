import fc from 'fast-check';
import { evaluate } from './policy.evaluator';
import { facts, mustCompile } from '../testing/policy.fixtures';
import type { CompiledPolicy } from '../document/compiled-policy.types';

interface PolicyShape {
  readonly mode: 'enforce' | 'warn';
  /** One static authority per entry: true = pass, false = fail. */
  readonly authorities: readonly boolean[];
}

const cache = new Map<string, CompiledPolicy>();
function build(shape: PolicyShape, index: number): CompiledPolicy {
  const key = `${index}/${shape.mode}/${shape.authorities.join()}`;
  let compiled = cache.get(key);
  if (!compiled) {
    const authorities = shape.authorities.map((pass) => `{static: {action: ${pass ? 'pass' : 'fail'}}}`).join(', ');
    compiled = mustCompile(
      `apiVersion: vigil.dev/v1\nkind: ImagePolicy\nmetadata: {name: p${index}}\nspec:\n  mode: ${shape.mode}\n  images: [{glob: "**"}]\n  authorities: [${authorities}]\n`,
    );
    cache.set(key, compiled);
  }
  return compiled;
}

const shape = fc.record({
  mode: fc.constantFrom('enforce' as const, 'warn' as const),
  authorities: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
});
const shapes = fc.array(shape, { minLength: 1, maxLength: 6 });
const noMatch = fc.constantFrom('allow' as const, 'warn' as const, 'deny' as const);
const valid = (s: PolicyShape): boolean => s.authorities.some(Boolean);

describe('evaluation laws', () => {
  it('a policy holds iff one of its authorities holds (OR)', () => {
    fc.assert(
      fc.property(shape, (s) => {
        const [result] = evaluate({ policies: [build(s, 0)], image: facts(), noMatch: 'deny' }).policies;
        expect(result?.valid).toBe(valid(s));
      }),
    );
  });

  it('an image is allowed iff every matching enforce-mode policy holds (AND); warn never denies', () => {
    fc.assert(
      fc.property(shapes, noMatch, (ss, nm) => {
        const decision = evaluate({ policies: ss.map(build), image: facts(), noMatch: nm });
        expect(decision.allowed).toBe(ss.every((s) => s.mode === 'warn' || valid(s)));
        expect(decision.reasons.length > 0).toBe(!decision.allowed);
        expect(decision.warnings.length > 0).toBe(ss.some((s) => s.mode === 'warn' && !valid(s)));
        expect(decision.policies.map((p) => p.valid)).toEqual(ss.map(valid));
      }),
    );
  });

  it('turning every policy to warn mode always allows and moves reasons to warnings', () => {
    fc.assert(
      fc.property(shapes, (ss) => {
        const enforced = evaluate({ policies: ss.map((s, i) => build({ ...s, mode: 'enforce' }, i)), image: facts(), noMatch: 'deny' });
        const warned = evaluate({ policies: ss.map((s, i) => build({ ...s, mode: 'warn' }, i)), image: facts(), noMatch: 'deny' });
        expect(warned.allowed).toBe(true);
        expect(warned.reasons).toEqual([]);
        expect(warned.warnings).toEqual(enforced.reasons);
      }),
    );
  });

  it('adding a failing enforce policy denies; adding a passing one changes nothing', () => {
    fc.assert(
      fc.property(shapes, (ss) => {
        const base = ss.map(build);
        const before = evaluate({ policies: base, image: facts(), noMatch: 'deny' });
        const withPass = evaluate({ policies: [...base, build({ mode: 'enforce', authorities: [true] }, 99)], image: facts(), noMatch: 'deny' });
        const withFail = evaluate({ policies: [...base, build({ mode: 'enforce', authorities: [false] }, 98)], image: facts(), noMatch: 'deny' });
        expect(withPass.allowed).toBe(before.allowed);
        expect(withPass.reasons).toEqual(before.reasons);
        expect(withFail.allowed).toBe(false);
      }),
    );
  });

  it('is deterministic and independent of policy order', () => {
    fc.assert(
      fc.property(shapes.chain((ss) => fc.tuple(fc.constant(ss), fc.shuffledSubarray(ss.map((_, i) => i), { minLength: ss.length }))), ([ss, order]) => {
        const policies = ss.map(build);
        const a = evaluate({ policies, image: facts(), noMatch: 'deny' });
        const b = evaluate({ policies: order.map((i) => policies[i]!), image: facts(), noMatch: 'deny' });
        expect(b).toEqual(a);
      }),
    );
  });

  it('no-match behaviour decides only when no policy matches', () => {
    fc.assert(
      fc.property(shapes, noMatch, (ss, nm) => {
        const unmatched = facts({ ref: 'quay.io/elsewhere/app:1' });
        const policies = ss.map((s, i) => ({ ...build(s, i), images: [] }));
        const decision = evaluate({ policies, image: unmatched, noMatch: nm });
        expect(decision.policies).toEqual([]);
        expect(decision.allowed).toBe(nm !== 'deny');
        expect(decision.warnings.length).toBe(nm === 'warn' ? 1 : 0);
      }),
    );
  });
});
