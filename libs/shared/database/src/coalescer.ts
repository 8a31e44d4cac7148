interface Waiting<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for per-item work: items submitted under the same key while a
 * batch of that key is running wait and go together in the next one. Idle, an
 * item goes at once (with whatever else arrived in the same tick); busy,
 * batches grow with the load, so N concurrent deliveries cost one round trip,
 * not N. Keys (orgs) never wait for each other. Used wherever concurrent
 * requests should share a round trip or a transaction (agent nonces,
 * admission decisions, delivery attempts).
 */
export class Coalescer<I, O> {
  private readonly lanes = new Map<string, Waiting<I, O>[]>();

  /**
   * `run` answers each item, in order; an `Error` in an item's place fails
   * only that item, and if `run` throws, every item of that batch fails.
   */
  constructor(
    private readonly run: (key: string, items: I[]) => Promise<(O | Error)[]>,
    private readonly maxBatch = 200,
  ) {}

  submit(key: string, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const lane = this.lanes.get(key);
      if (lane) {
        lane.push({ item, resolve, reject });
        return;
      }
      const fresh: Waiting<I, O>[] = [{ item, resolve, reject }];
      this.lanes.set(key, fresh);
      setImmediate(() => void this.drain(key, fresh));
    });
  }

  private async drain(key: string, lane: Waiting<I, O>[]): Promise<void> {
    while (lane.length > 0) {
      const batch = lane.splice(0, this.maxBatch);
      try {
        const out = await this.run(
          key,
          batch.map((w) => w.item),
        );
        if (out.length !== batch.length) throw new Error(`batch answered ${out.length} results for ${batch.length} items`);
        batch.forEach((w, i) => {
          const result = out[i];
          if (result instanceof Error) w.reject(result);
          else w.resolve(result);
        });
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.lanes.delete(key);
  }
}
