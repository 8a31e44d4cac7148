import { TickBatcher } from './tick-batcher';

describe('TickBatcher', () => {
  it('hands the items of one turn to one run per key, in order, and answers each its own result', async () => {
    const runs: [string, number[]][] = [];
    const batcher = new TickBatcher<number, number>(async (key, items) => {
      runs.push([key, items]);
      return items.map((n) => n * 10);
    });
    const answers = await Promise.all([batcher.submit('a', 1), batcher.submit('b', 2), batcher.submit('a', 3)]);
    expect(answers).toEqual([10, 20, 30]);
    expect(runs).toEqual([
      ['a', [1, 3]],
      ['b', [2]],
    ]);
    // A later turn is a new batch.
    await expect(batcher.submit('a', 4)).resolves.toBe(40);
    expect(runs).toHaveLength(3);
  });

  it('cuts batches at maxBatch', async () => {
    const sizes: number[] = [];
    const batcher = new TickBatcher<number, number>(async (_key, items) => {
      sizes.push(items.length);
      return items;
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit('k', n)));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('fails only the item answered with an Error, and every item when the run throws', async () => {
    const partial = new TickBatcher<number, number>(async (_key, items) => items.map((n) => (n === 2 ? new Error('two is bad') : n)));
    const settled = await Promise.allSettled([partial.submit('k', 1), partial.submit('k', 2), partial.submit('k', 3)]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason.message).toBe('two is bad');

    const broken = new TickBatcher<number, number>(async () => {
      throw new Error('database down');
    });
    const all = await Promise.allSettled([broken.submit('k', 1), broken.submit('k', 2)]);
    expect(all.map((s) => s.status === 'rejected' && s.reason.message)).toEqual(['database down', 'database down']);
  });

  it('refuses a run that answers the wrong number of results', async () => {
    const batcher = new TickBatcher<number, number>(async () => [1]);
    await expect(Promise.all([batcher.submit('k', 1), batcher.submit('k', 2)])).rejects.toThrow('batch answered 1 results for 2 items');
  });
});
