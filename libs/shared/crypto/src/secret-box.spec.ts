import { generateSecret, SecretBox, secretsEqual } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox('s'.repeat(32), 'test');

  it('round-trips and binds the context', () => {
    const sealed = box.seal('registry-password', 'org-1/registry-2');
    expect(sealed.toString('utf8')).not.toContain('registry-password');
    expect(box.open(sealed, 'org-1/registry-2')?.toString()).toBe('registry-password');
    expect(box.open(sealed, 'org-2/registry-2')).toBeNull();
  });

  it('rejects tampering and other keys', () => {
    const sealed = box.seal('x');
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(box.open(tampered)).toBeNull();
    expect(new SecretBox('t'.repeat(32), 'test').open(sealed)).toBeNull();
    expect(new SecretBox('s'.repeat(32), 'other-purpose').open(sealed)).toBeNull();
    expect(box.open(Buffer.from('garbage'))).toBeNull();
  });
});

describe('secrets', () => {
  it('generates distinct prefixed secrets and compares them', () => {
    const a = generateSecret('vgl');
    expect(a).toMatch(/^vgl_[A-Za-z0-9_-]{43}$/);
    expect(generateSecret('vgl')).not.toBe(a);
    expect(secretsEqual(a, a)).toBe(true);
    expect(secretsEqual(a, `${a}x`)).toBe(false);
  });
});
