import { ContentCache } from './content-cache';

const content = (n: number) => ({ bytes: Buffer.alloc(n) });

describe('ContentCache', () => {
  it('evicts the least recently used entry beyond the entry bound', () => {
    const cache = new ContentCache(2, 1000);
    cache.set('a', content(1));
    cache.set('b', content(1));
    cache.get('a');
    cache.set('c', content(1));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
  });

  it('keeps total bytes under the byte bound and skips entries larger than it', () => {
    const cache = new ContentCache(100, 10);
    cache.set('a', content(4));
    cache.set('b', content(4));
    cache.set('c', content(4));
    expect(cache.totalBytes).toBe(8);
    expect(cache.get('a')).toBeUndefined();
    cache.set('huge', content(11));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('replaces an entry without double-counting its bytes', () => {
    const cache = new ContentCache(10, 100);
    cache.set('a', content(10));
    cache.set('a', content(20));
    expect(cache.totalBytes).toBe(20);
  });
});
