import { DecisionCache } from './decision-cache';

const decision = (image: string, ttl = 60) => ({ image, allowed: true, warnings: [], reasons: [], cacheTtlSeconds: ttl });

describe('DecisionCache', () => {
  it('answers only under the token the decision was made with, until its TTL', () => {
    let now = 0;
    const cache = new DecisionCache(10, () => now);
    expect(cache.get('a')).toBeUndefined();
    cache.observeToken('t1');
    cache.put('t1', decision('a', 10));
    cache.put('t0', decision('stale'));
    cache.put('t1', decision('nocache', 0));
    expect(cache.get('a')?.image).toBe('a');
    expect(cache.get('stale')).toBeUndefined();
    expect(cache.get('nocache')).toBeUndefined();
    now = 10_000;
    expect(cache.get('a')).toBeUndefined();
  });

  it('drops everything when the policy state changes', () => {
    const cache = new DecisionCache(10);
    cache.observeToken('t1');
    cache.put('t1', decision('a'));
    cache.observeToken('t2');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry beyond its size', () => {
    const cache = new DecisionCache(2);
    cache.observeToken('t');
    cache.put('t', decision('a'));
    cache.put('t', decision('b'));
    cache.get('a');
    cache.put('t', decision('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
  });
});
