/**
 * Group commit for hot paths: items submitted during one turn of the event
 * loop are handed to `run` together (per key, at most `maxBatch` at a time),
 * so concurrent requests share round trips and transactions. A lone item
 * waits no longer than before: the batch is cut on the next turn, not on a
 * timer. `run` answers one result per item, in order; an `Error` in place of
 * a result fails only that item, a thrown error fails the whole batch.
 */
export class TickBatcher<In, Out> {
  private readonly waiting = new Map<string, { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[]>();
  private scheduled = false;

  constructor(
    private readonly run: (key: string, items: In[]) => Promise<(Out | Error)[]>,
    private readonly maxBatch = 256,
  ) {}

  submit(key: string, item: In): Promise<Out> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(key);
      if (queue) queue.push({ item, resolve, reject });
      else this.waiting.set(key, [{ item, resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batches = [...this.waiting];
    this.waiting.clear();
    for (const [key, queue] of batches) {
      for (let i = 0; i < queue.length; i += this.maxBatch) void this.runBatch(key, queue.slice(i, i + this.maxBatch));
    }
  }

  private async runBatch(key: string, batch: { item: In; resolve: (out: Out) => void; reject: (error: unknown) => void }[]): Promise<void> {
    try {
      const results = await this.run(
        key,
        batch.map((b) => b.item),
      );
      if (results.length !== batch.length) throw new Error(`batch answered ${results.length} results for ${batch.length} items`);
      batch.forEach((b, i) => {
        const result = results[i];
        if (result instanceof Error) b.reject(result);
        else b.resolve(result);
      });
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}
