import { z } from 'zod';
import { formatPath, validateWith } from './validation';

describe('validation helpers', () => {
  it('formats paths as accessors', () => {
    expect(formatPath([])).toBe('(root)');
    expect(formatPath(['pods', 3, 'containers', 0, 'imageDigest'])).toBe('pods[3].containers[0].imageDigest');
    expect(formatPath(['labels', 'app.kubernetes.io/name'])).toBe('labels["app.kubernetes.io/name"]');
  });

  it('reports a non-object at the root', () => {
    const result = validateWith(z.strictObject({ a: z.string() }), 'nope');
    expect(result).toEqual({ ok: false, errors: [{ path: '(root)', message: expect.any(String) }] });
  });

  it('returns the parsed value on success', () => {
    expect(validateWith(z.object({ a: z.number() }), { a: 1, b: 2 })).toEqual({ ok: true, value: { a: 1 } });
  });
});
