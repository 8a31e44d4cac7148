import { InMemoryReplayGuard } from './replay-guard';

const at = (s: number): Date => new Date(Date.UTC(2026, 2, 1) + s * 1000);

describe('InMemoryReplayGuard', () => {
  it('accepts a key once until it expires, then again', () => {
    const guard = new InMemoryReplayGuard();
    expect(guard.checkAndRemember('k:n1', at(300), at(0))).toBe(true);
    expect(guard.checkAndRemember('k:n1', at(300), at(10))).toBe(false);
    expect(guard.checkAndRemember('k:n2', at(300), at(10))).toBe(true);
    expect(guard.checkAndRemember('k:n1', at(600), at(300))).toBe(true);
  });

  it('prunes expired keys when full and refuses when full of live keys', () => {
    const guard = new InMemoryReplayGuard(2);
    guard.checkAndRemember('a', at(10), at(0));
    guard.checkAndRemember('b', at(100), at(0));
    expect(guard.checkAndRemember('c', at(100), at(20))).toBe(true);
    expect(guard.size).toBe(2);
    expect(() => guard.checkAndRemember('d', at(100), at(20))).toThrow(/full/);
  });
});
