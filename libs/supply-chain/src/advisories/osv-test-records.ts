// Test-only helper: the real OSV records in the shared data set, parsed.
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { readSharedJson, SHARED_DATA_DIR } from '../versions/shared-test-data';
import { Advisory } from './advisory';
import { parseOsvRecordOrThrow } from './parse-osv';

/** Paths (relative to shared/data) of every OSV record file; `all.json` is an index, not a record. */
export function sharedOsvRecordPaths(): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(SHARED_DATA_DIR, rel)).sort()) {
      const child = `${rel}/${entry}`;
      if (statSync(path.join(SHARED_DATA_DIR, child)).isDirectory()) walk(child);
      else if (entry.endsWith('.json') && entry !== 'all.json') out.push(child);
    }
  };
  walk('osv');
  return out;
}

export function loadSharedAdvisories(): Advisory[] {
  return sharedOsvRecordPaths().map((p) => parseOsvRecordOrThrow(readSharedJson(p)));
}
