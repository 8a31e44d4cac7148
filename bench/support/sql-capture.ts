// Records the SQL the in-process API sends to Postgres, so the benchmark can
// EXPLAIN exactly the statements the platform runs (pg_stat_statements needs a
// server restart to load; this needs nothing). It wraps pg's Client#query in
// this process only, and only while a capture is armed.
import { Client } from 'pg';

export interface CapturedQuery {
  text: string;
  values: unknown[];
}

type QueryFn = (...args: unknown[]) => unknown;

let installed = false;
let armed: { match: RegExp; found: CapturedQuery[]; limit: number } | null = null;

function install(): void {
  if (installed) return;
  installed = true;
  const proto = Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  proto.query = function patchedQuery(this: unknown, ...args: unknown[]) {
    if (armed && armed.found.length < armed.limit) {
      const [first, second] = args;
      let text: string | undefined;
      let values: unknown[] = [];
      if (typeof first === 'string') {
        text = first;
        if (Array.isArray(second)) values = second;
      } else if (first && typeof first === 'object' && typeof (first as { text?: unknown }).text === 'string') {
        text = (first as { text: string }).text;
        const v = (first as { values?: unknown }).values;
        if (Array.isArray(v)) values = v;
        else if (Array.isArray(second)) values = second;
      }
      if (text !== undefined && armed.match.test(text)) armed.found.push({ text, values: [...values] });
    }
    return original.apply(this, args);
  };
}

/** Runs `work` and returns the statements matching `match` that any pg client in this process sent meanwhile. */
export async function captureQueries(match: RegExp, work: () => Promise<unknown>, limit = 20): Promise<CapturedQuery[]> {
  install();
  const slot = { match, found: [] as CapturedQuery[], limit };
  armed = slot;
  try {
    await work();
  } finally {
    armed = null;
  }
  return slot.found;
}
