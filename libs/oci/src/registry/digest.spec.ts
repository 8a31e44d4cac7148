import { DigestMismatchError } from '../errors/oci.errors';
import { assertDigest, computeDigest, isDigest, parseDigest } from './digest';

describe('digests', () => {
  it('parses sha256 and sha512 digests of the right length only', () => {
    expect(parseDigest(`sha256:${'a'.repeat(64)}`)).toEqual({ algorithm: 'sha256', hex: 'a'.repeat(64) });
    expect(isDigest(`sha512:${'b'.repeat(128)}`)).toBe(true);
    expect(isDigest(`sha256:${'a'.repeat(63)}`)).toBe(false);
    expect(isDigest(`sha256:${'A'.repeat(64)}`)).toBe(false);
    expect(isDigest(`md5:${'a'.repeat(32)}`)).toBe(false);
    expect(isDigest('latest')).toBe(false);
  });

  it('verifies bytes against a digest with its own algorithm', () => {
    const bytes = Buffer.from('content');
    expect(() => assertDigest(bytes, computeDigest(bytes, 'sha512'), 'blob')).not.toThrow();
    expect(() => assertDigest(bytes, computeDigest(Buffer.from('other')), 'blob')).toThrow(DigestMismatchError);
    expect(() => assertDigest(bytes, 'sha256:short', 'blob')).toThrow(DigestMismatchError);
  });
});
