import { retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  it('doubles from 5 s and stops growing at an hour', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, mid))).toEqual([5000, 10000, 20000, 40000]);
    expect(retryDelayMs(20, mid)).toBe(3_600_000);
    expect(retryDelayMs(500, mid)).toBe(3_600_000);
  });

  it('spreads retries by ±20 % so a recovered sink is not hit by everyone at once', () => {
    expect(retryDelayMs(1, () => 0)).toBe(4000);
    expect(retryDelayMs(1, () => 1)).toBe(6000);
  });

  it('keeps retrying for more than 24 hours before a 26-hour window ends', () => {
    let elapsed = 0;
    let attempts = 0;
    while (elapsed < 24 * 3_600_000) elapsed += retryDelayMs(++attempts, () => 0.5);
    expect(attempts).toBeGreaterThan(10);
    expect(attempts).toBeLessThan(40);
  });
});
