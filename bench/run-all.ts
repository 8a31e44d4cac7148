// `npm run bench`: every benchmark in this directory (`*.bench.ts`, each
// exporting `run(): Promise<boolean>`), one after the other and in name order:
// they share the machine's two cores, so never in parallel. New benchmarks are
// picked up without editing this file. Exit code 1 when a benchmark failed to
// run or saw wrong answers; a figure below its target is reported, not failed
// (targets are for people, not for CI timing).
//
//   BENCH_ONLY=inventory-ingest,inventory-history npm run bench
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { log, now, secondsSince } from './support/stats';

const SUFFIX = '.bench.js';

async function main(): Promise<void> {
  const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const names = readdirSync(__dirname)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length) {
    log(`BENCH_ONLY names no benchmark: ${unknown.join(', ')} (have: ${names.join(', ')})`);
    process.exit(1);
  }
  const start = now();
  const outcomes: [string, string][] = [];
  for (const name of names) {
    if (only.length && !only.includes(name)) continue;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(join(__dirname, `${name}${SUFFIX}`)) as { run?: () => Promise<boolean> };
      if (typeof mod.run !== 'function') {
        outcomes.push([name, 'FAILED (exports no run())']);
        continue;
      }
      outcomes.push([name, (await mod.run()) ? 'ok' : 'ran, with problems (see above)']);
    } catch (error) {
      log(`\n${name} FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      outcomes.push([name, 'FAILED']);
    }
  }
  log(`\n== benchmarks done in ${secondsSince(start).toFixed(0)} s ==`);
  for (const [name, outcome] of outcomes) log(`  ${name}: ${outcome}`);
  process.exit(outcomes.every(([, o]) => o === 'ok') ? 0 : 1);
}

void main();
