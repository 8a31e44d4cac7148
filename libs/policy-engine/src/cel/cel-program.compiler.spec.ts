import { compileCelProgram, type CompiledCelProgram } from './cel-program.compiler';
import { ATTESTATION_VARIABLES, POLICY_VARIABLES } from './cel-variables';

function compile(expression: string, variables: readonly string[] = POLICY_VARIABLES): CompiledCelProgram {
  const result = compileCelProgram(expression, variables);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.program;
}

describe('compileCelProgram at save time', () => {
  it.each([
    ['image.ref ==', /syntax error/, 1],
    ['predicate.x', /undeclared reference to 'predicate'/, 1],
    ['image.ref.frobnicate()', /unknown function 'frobnicate'/, 1],
    ['   ', /empty/, 1],
  ])('refuses %j', (expression, message, line) => {
    const result = compileCelProgram(expression, POLICY_VARIABLES);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors[0]?.message).toMatch(message);
      expect(result.errors[0]?.line).toBe(line);
    }
  });

  it('reports the line and column inside a multi-line expression', () => {
    const result = compileCelProgram('image.ref != "" &&\n  object.kind == "Pod" &&\n  mystery', POLICY_VARIABLES);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toEqual([{ message: expect.stringContaining("'mystery'"), line: 3, column: 3 }]);
  });

  it('allows comprehension variables and type names but only in scope', () => {
    expect(compileCelProgram('image.signatures.all(s, s.keyFingerprint != "")', POLICY_VARIABLES).ok).toBe(true);
    expect(compileCelProgram('type(image.ref) == string', POLICY_VARIABLES).ok).toBe(true);
    expect(compileCelProgram('image.signatures.all(s, true) && s.x', POLICY_VARIABLES).ok).toBe(false);
  });
});

describe('CompiledCelProgram.evaluate at decision time', () => {
  const predicate = { spdxVersion: 'SPDX-2.3', packages: [{ name: 'openssl', versionInfo: '3.0.1' }], count: 2 };

  it('is true for a satisfied condition over predicate and statement', () => {
    const program = compile('predicate.spdxVersion.startsWith("SPDX-") && statement.subject.size() == 1 && predicate.count == 2.0', ATTESTATION_VARIABLES);
    expect(program.evaluate({ predicate, statement: { subject: [{ name: 'x' }] } })).toEqual({ ok: true });
  });

  it('fails with the expression when the result is false', () => {
    const program = compile('predicate.packages.all(p, p.name != "openssl")', ATTESTATION_VARIABLES);
    expect(program.evaluate({ predicate, statement: {} })).toEqual({
      ok: false,
      diagnostic: 'CEL expression `predicate.packages.all(p, p.name != "openssl")` evaluated to false',
    });
  });

  it('turns evaluation errors into failures with a diagnostic', () => {
    const program = compile('predicate.missing == "x"', ATTESTATION_VARIABLES);
    const outcome = program.evaluate({ predicate, statement: {} });
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.diagnostic).toMatch(/^CEL expression `predicate.missing == "x"` failed: .*missing/);
  });

  it('fails a non-bool result', () => {
    const outcome = compile('image.ref').evaluate({ image: { ref: 'x' }, object: {} });
    expect(outcome).toEqual({ ok: false, diagnostic: 'CEL expression `image.ref` must evaluate to a bool, got string "x"' });
  });

  it('supports the strings extension and regular expressions', () => {
    const program = compile('object.labels["team"].lowerAscii() == "payments" && image.ref.matches("^ghcr\\\\.io/")');
    expect(program.evaluate({ image: { ref: 'ghcr.io/a' }, object: { labels: { team: 'Payments' } } })).toEqual({ ok: true });
    expect(program.evaluate({ image: { ref: 'quay.io/a' }, object: { labels: { team: 'Payments' } } }).ok).toBe(false);
  });

  it('is reusable and independent between calls', () => {
    const program = compile('image.ref == "a"');
    const results = ['a', 'b', 'a'].map((ref) => program.evaluate({ image: { ref }, object: {} }).ok);
    expect(results).toEqual([true, false, true]);
  });
});
