import type { DatabaseNotifications, NotificationHandler } from './database-notifications';
import { InvalidatedCache } from './invalidated-cache';

/** The cache's view of the notification connection: whether it listens, and the handler it registered. */
function notificationsDouble() {
  const state = { listening: true, handler: undefined as NotificationHandler | undefined };
  const notifications = {
    get listening() {
      return state.listening;
    },
    subscribe: (_channel: string, handler: NotificationHandler) => {
      state.handler = handler;
      return () => undefined;
    },
  } as unknown as DatabaseNotifications;
  return { state, notifications };
}

describe('InvalidatedCache', () => {
  const options = { channel: 'test_channel', ttlMs: 60_000, maxEntries: 3 };

  function counter(tags: string[] = ['org:a']) {
    let loads = 0;
    return {
      load: async () => ({ value: ++loads, tags }),
      get loads() {
        return loads;
      },
    };
  }

  it('serves a loaded value until a notification names one of its tags', async () => {
    const { state, notifications } = notificationsDouble();
    const cache = new InvalidatedCache<number>(notifications, options);
    const source = counter(['org:a', 'key:1']);
    expect(await cache.get('k', source.load)).toBe(1);
    expect(await cache.get('k', source.load)).toBe(1);
    state.handler!.notified('org:b');
    expect(await cache.get('k', source.load)).toBe(1);
    state.handler!.notified('key:1');
    expect(await cache.get('k', source.load)).toBe(2);
  });

  it('keeps nothing while the notification connection is down, and starts over on reset', async () => {
    const { state, notifications } = notificationsDouble();
    const cache = new InvalidatedCache<number>(notifications, options);
    const source = counter();
    await cache.get('k', source.load);
    state.listening = false;
    expect(await cache.get('k', source.load)).toBe(2);
    expect(await cache.get('k', source.load)).toBe(3);
    expect(cache.size).toBe(0);
    state.listening = true;
    state.handler!.reset();
    expect(await cache.get('k', source.load)).toBe(4);
    expect(await cache.get('k', source.load)).toBe(4);
  });

  it('does not keep a value whose load raced with an invalidation', async () => {
    const { state, notifications } = notificationsDouble();
    const cache = new InvalidatedCache<number>(notifications, options);
    let release!: () => void;
    const slow = () => new Promise<{ value: number; tags: string[] }>((resolve) => (release = () => resolve({ value: 1, tags: ['org:a'] })));
    const pending = cache.get('k', slow);
    state.handler!.notified('org:a'); // committed while the load was reading the old state
    release();
    expect(await pending).toBe(1);
    expect(cache.size).toBe(0);
  });

  it('lets entries lapse at their own expiry, never caches misses, and stays bounded', async () => {
    const { notifications } = notificationsDouble();
    const cache = new InvalidatedCache<number>(notifications, options);
    let loads = 0;
    const expiring = async () => ({ value: ++loads, tags: [], expiresAt: Date.now() - 1 });
    await cache.get('e', expiring);
    expect(await cache.get('e', expiring)).toBe(2);
    let misses = 0;
    const missing = async () => {
      misses++;
      return null;
    };
    expect(await cache.get('m', missing)).toBeNull();
    expect(await cache.get('m', missing)).toBeNull();
    expect(misses).toBe(2);
    for (const key of ['a', 'b', 'c', 'd']) await cache.get(key, counter().load);
    expect(cache.size).toBe(3);
  });

  it('forget drops the tagged entries on this replica at once', async () => {
    const { notifications } = notificationsDouble();
    const cache = new InvalidatedCache<number>(notifications, options);
    const source = counter(['cluster:x']);
    await cache.get('k', source.load);
    cache.forget('cluster:x');
    expect(await cache.get('k', source.load)).toBe(2);
  });
});
