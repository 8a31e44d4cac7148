import { Coalescer } from './coalescer';

/** A batch function the test releases by hand, recording what each call got. */
function gatedRun() {
  const calls: { key: string; items: number[]; release: () => void; fail: (e: Error) => void }[] = [];
  const run = (key: string, items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({ key, items, release: () => resolve(items.map((i) => `${key}:${i}`)), fail: reject });
    });
  return { calls, run };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('Coalescer', () => {
  it('sends items of one tick together, and items arriving while a batch runs in the next batch', async () => {
    const { calls, run } = gatedRun();
    const c = new Coalescer(run);
    const first = [c.submit('org-a', 1), c.submit('org-a', 2)];
    await tick();
    expect(calls.map((x) => x.items)).toEqual([[1, 2]]);
    const later = [c.submit('org-a', 3), c.submit('org-a', 4), c.submit('org-a', 5)];
    await tick();
    expect(calls).toHaveLength(1); // still busy with the first batch
    calls[0].release();
    expect(await Promise.all(first)).toEqual(['org-a:1', 'org-a:2']);
    await tick();
    expect(calls.map((x) => x.items)).toEqual([[1, 2], [3, 4, 5]]);
    calls[1].release();
    expect(await Promise.all(later)).toEqual(['org-a:3', 'org-a:4', 'org-a:5']);
  });

  it('never makes one key wait for another', async () => {
    const { calls, run } = gatedRun();
    const c = new Coalescer(run);
    void c.submit('slow-org', 1);
    await tick();
    const other = c.submit('other-org', 7);
    await tick();
    expect(calls.map((x) => x.key)).toEqual(['slow-org', 'other-org']);
    calls[1].release();
    expect(await other).toBe('other-org:7');
  });

  it('fails only the items of a failing batch, then carries on', async () => {
    const { calls, run } = gatedRun();
    const c = new Coalescer(run);
    const doomed = c.submit('org-a', 1);
    await tick();
    const next = c.submit('org-a', 2);
    calls[0].fail(new Error('database went away'));
    await expect(doomed).rejects.toThrow('database went away');
    await tick();
    calls[1].release();
    expect(await next).toBe('org-a:2');
  });

  it('caps the size of a batch', async () => {
    const { calls, run } = gatedRun();
    const c = new Coalescer(run, 2);
    const all = [1, 2, 3, 4, 5].map((i) => c.submit('org-a', i));
    for (let i = 0; i < 3; i++) {
      await tick();
      calls[i].release();
      await tick();
    }
    expect(await Promise.all(all)).toHaveLength(5);
    expect(calls.map((x) => x.items)).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('fails only the item answered with an Error, and refuses a run that answers the wrong number of results', async () => {
    const partial = new Coalescer<number, number>(async (_key, items) => items.map((n) => (n === 2 ? new Error('two is bad') : n)));
    const settled = await Promise.allSettled([partial.submit('k', 1), partial.submit('k', 2), partial.submit('k', 3)]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).toBe('two is bad');

    const short = new Coalescer<number, number>(async () => [1]);
    await expect(Promise.all([short.submit('k', 1), short.submit('k', 2)])).rejects.toThrow('batch answered 1 results for 2 items');
  });
});
