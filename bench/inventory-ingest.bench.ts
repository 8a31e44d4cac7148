// Inventory ingest: N agents (one per cluster) send signed delta batches to
// POST /v1/agent/inventory over real HTTP at the same time; the figure is
// container observations (and pod events) per second, printed beside raw
// loads of the same rows into the same `observations` table of a fresh
// database in the same run (COPY via psql, and multi-row INSERT).
//
//   npm run build && node dist/bench/inventory-ingest.bench.js
//   BENCH_INGEST_AGENTS=4 BENCH_INGEST_BATCHES=25 BENCH_INGEST_PODS=200
//   BENCH_INGEST_TERM=3  every batch carries leader term 3 (agents with leader election, as the chart runs them)
import { validateInventoryBatch } from '@vigil/agent-protocol';
import type { InventoryBatch, InventoryResponse } from '@vigil/agent-protocol';
import { AgentCredential, BenchPlatform, connect, createMigratedDatabase, signedPost } from './support/bench-platform';
import { AgentWorkload, ObservationRow, rowsOf } from './support/inventory-workload';
import { countObservations, psqlAvailable, seedOrgAndClusters, timedCopy, timedMultiRowInsert } from './support/raw-load';
import { loadavg } from 'node:os';
import { envInt, fmtInt, fmtMs, fmtRate, log, msSince, now, secondsSince, summarize, table } from './support/stats';

const INVENTORY_PATH = '/v1/agent/inventory';
const TARGET_OBS_PER_SECOND = 20_000;
const TARGET_SHARE_OF_COPY = 0.25;
const WARMUP_BATCHES = 3;

export interface IngestSettings {
  agents: number;
  batchesPerAgent: number;
  podsPerBatch: number;
  baselineRuns: number;
  /** Leader term every batch carries (fencing); none when unset, as with leader election off. */
  term?: number;
}

export function ingestSettings(): IngestSettings {
  return {
    agents: envInt('BENCH_INGEST_AGENTS', 4, 1, 32),
    batchesPerAgent: envInt('BENCH_INGEST_BATCHES', 40, 1, 1000),
    podsPerBatch: envInt('BENCH_INGEST_PODS', 200, 1, 1000),
    baselineRuns: envInt('BENCH_INGEST_BASELINE_RUNS', 3, 1, 10),
    term: process.env.BENCH_INGEST_TERM ? envInt('BENCH_INGEST_TERM', 0, 0, 2 ** 31 - 1) : undefined,
  };
}

interface ApiOutcome {
  seconds: number;
  containers: number;
  podEvents: number;
  batchLatencyMs: number[];
  problems: string[];
  rowsInTable: number;
  expectedRows: number;
  /** CPU this Node process (API and the agents' HTTP clients) used during the timed phase. */
  nodeCpuSeconds: number;
}

function containersIn(batches: readonly InventoryBatch[]): number {
  return batches.reduce((n, b) => n + b.pods.reduce((m, p) => m + p.containers.length, 0), 0);
}

function distinctKeys(batches: readonly InventoryBatch[], into: Set<string>, cluster: string): void {
  for (const b of batches) for (const p of b.pods) for (const c of p.containers) into.add(`${cluster}/${p.uid}/${c.name}/${c.imageDigest}`);
}

async function apiIngest(settings: IngestSettings, workloads: AgentWorkload[], warmup: InventoryBatch[][], timed: InventoryBatch[][]): Promise<ApiOutcome> {
  const platform = await BenchPlatform.start();
  const problems: string[] = [];
  try {
    const tenant = await platform.createTenant('bench-ingest');
    const credentials: AgentCredential[] = [];
    for (let i = 0; i < settings.agents; i++) credentials.push(await platform.createClusterWithAgent(tenant, `bench-ingest-${i}`));

    const check = (agent: number, batch: InventoryBatch, res: { status: number; body: InventoryResponse }) => {
      const ok = res.status >= 200 && res.status < 300 && res.body?.applied === true && res.body?.duplicate === false && res.body?.snapshotRequested === false;
      if (!ok && problems.length < 10) {
        problems.push(`agent ${agent} sequence ${batch.sequence}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      }
      if (ok && res.body.expectedSequence !== batch.sequence + 1 && problems.length < 10) {
        problems.push(`agent ${agent} sequence ${batch.sequence}: expectedSequence ${res.body.expectedSequence}, wanted ${batch.sequence + 1}`);
      }
    };

    // Warm-up (not timed): JIT, connection pools, prepared plans, first inserts.
    for (let a = 0; a < settings.agents; a++) {
      for (const batch of warmup[a]) check(a, batch, await signedPost(platform.http, credentials[a], INVENTORY_PATH, JSON.stringify(batch)));
    }
    if (problems.length) throw new Error(`warm-up batches were not applied:\n  ${problems.join('\n  ')}`);

    // Bodies are serialized before the clock starts, as an agent has them ready; signing is per request.
    const bodies = timed.map((batches) => batches.map((b) => JSON.stringify(b)));
    const batchLatencyMs: number[] = [];
    const cpuStart = process.cpuUsage();
    const start = now();
    await Promise.all(
      bodies.map(async (agentBodies, a) => {
        for (let i = 0; i < agentBodies.length; i++) {
          const t = now();
          const res = await signedPost<InventoryResponse>(platform.http, credentials[a], INVENTORY_PATH, agentBodies[i]);
          batchLatencyMs.push(msSince(t));
          check(a, timed[a][i], res);
        }
      }),
    );
    const seconds = secondsSince(start);
    const cpu = process.cpuUsage(cpuStart);

    const keys = new Set<string>();
    workloads.forEach((_, a) => {
      distinctKeys(warmup[a], keys, credentials[a].clusterId);
      distinctKeys(timed[a], keys, credentials[a].clusterId);
    });
    const rowsInTable = await countObservations(platform.database.url);
    return {
      seconds,
      containers: timed.reduce((n, b) => n + containersIn(b), 0),
      podEvents: timed.reduce((n, b) => n + b.reduce((m, x) => m + x.pods.length, 0), 0),
      batchLatencyMs,
      problems,
      rowsInTable,
      expectedRows: keys.size,
      nodeCpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  } finally {
    await platform.stop();
  }
}

interface BaselineOutcome {
  label: string;
  rows: number;
  /** Median of the runs, each into the table of a fresh database. */
  seconds: number;
  runs: number[];
}

async function baselines(settings: IngestSettings, timed: InventoryBatch[][]): Promise<BaselineOutcome[]> {
  const out: BaselineOutcome[] = [];
  const loadOnce = async (label: string, work: (url: string, rows: ObservationRow[]) => Promise<number>): Promise<{ rows: number; seconds: number }> => {
    const db = await createMigratedDatabase();
    try {
      const client = await connect(db.url);
      let rows: ObservationRow[];
      try {
        const seeded = await seedOrgAndClusters(client, settings.agents);
        const seen = new Set<string>();
        rows = timed.flatMap((batches, a) => rowsOf(seeded.orgId, seeded.clusterIds[a], batches, seen));
      } finally {
        await client.end();
      }
      const seconds = await work(db.url, rows);
      const inTable = await countObservations(db.url);
      if (inTable !== rows.length) throw new Error(`${label}: ${inTable} rows in the table, expected ${rows.length}`);
      return { rows: rows.length, seconds };
    } finally {
      await db.drop();
    }
  };
  const load = async (label: string, work: (url: string, rows: ObservationRow[]) => Promise<number>) => {
    const runs: number[] = [];
    let rows = 0;
    for (let i = 0; i < settings.baselineRuns; i++) {
      const r = await loadOnce(label, work);
      runs.push(r.seconds);
      rows = r.rows;
    }
    const sorted = [...runs].sort((x, y) => x - y);
    out.push({ label, rows, seconds: sorted[Math.floor((sorted.length - 1) / 2)], runs });
  };
  if (psqlAvailable()) {
    await load('baseline: COPY FROM STDIN (psql, 1 stream)', (url, rows) => timedCopy(url, rows, 1));
    if (settings.agents > 1) await load(`baseline: COPY FROM STDIN (psql, ${settings.agents} streams)`, (url, rows) => timedCopy(url, rows, settings.agents));
  } else {
    log('psql is not on PATH: no COPY baseline (only multi-row INSERT)');
  }
  const perStatement = settings.podsPerBatch * 3;
  await load(`baseline: multi-row INSERT (${perStatement} rows/stmt, ${settings.agents} conns)`, (url, rows) =>
    timedMultiRowInsert(url, rows, perStatement, settings.agents),
  );
  return out;
}

/** What the API spends per batch before any SQL: JSON.parse and the protocol's zod validation (same functions, this process). */
function parseAndValidateCost(timed: InventoryBatch[][]): { parseMs: number; validateMs: number } {
  const bodies = timed.flat().slice(0, 20).map((b) => JSON.stringify(b));
  let parse = 0;
  let validate = 0;
  for (let round = 0; round < 2; round++) {
    parse = 0;
    validate = 0;
    for (const body of bodies) {
      const t0 = now();
      const value: unknown = JSON.parse(body);
      const t1 = now();
      const result = validateInventoryBatch(value);
      validate += Number(now() - t1) / 1e6;
      parse += Number(t1 - t0) / 1e6;
      if (!result.ok) throw new Error(`generated batch does not validate: ${JSON.stringify(result.errors.slice(0, 3))}`);
    }
  }
  return { parseMs: parse / bodies.length, validateMs: validate / bodies.length };
}

export async function runInventoryIngestBench(): Promise<boolean> {
  const settings = ingestSettings();
  const benchStart = now();
  log(`\n== inventory ingest: ${settings.agents} agents × ${settings.batchesPerAgent} batches × ${settings.podsPerBatch} pods (3 containers each), signed, over loopback HTTP ==`);

  const workloads = Array.from({ length: settings.agents }, (_, a) => new AgentWorkload(`agent-${a}-bench`, 1000 + a));
  // Warm-up as an agent starts: one snapshot (a new agent is asked for one), then deltas.
  const warmup = workloads.map((w) => Array.from({ length: WARMUP_BATCHES }, (_, i) => (i === 0 ? w.snapshotBatch(settings.podsPerBatch) : w.nextBatch(settings.podsPerBatch))));
  const timed = workloads.map((w) => Array.from({ length: settings.batchesPerAgent }, () => w.nextBatch(settings.podsPerBatch)));
  if (settings.term !== undefined) for (const batch of [...warmup.flat(), ...timed.flat()]) batch.term = settings.term;
  const ops = timed.flat().flatMap((b) => b.pods.map((p) => p.op));
  log(`workload: ${fmtInt(ops.length)} pod events (${fmtInt(ops.filter((o) => o === 'delete').length)} deletes), ${fmtInt(timed.reduce((n, b) => n + containersIn(b), 0))} container observations, ~${fmtInt(JSON.stringify(timed[0][0]).length / 1024)} KiB per batch; ${WARMUP_BATCHES} warm-up batches per agent (1 snapshot + deltas) not timed`);

  log(`leader term in every batch: ${settings.term ?? 'none'}`);
  log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  let api: ApiOutcome | undefined;
  let apiError: unknown;
  try {
    api = await apiIngest(settings, workloads, warmup, timed);
  } catch (error) {
    apiError = error;
    log(`API path FAILED: ${error instanceof Error ? error.message : String(error)}`);
  }
  const base = await baselines(settings, timed);

  const copyBest = base.filter((b) => b.label.includes('COPY')).reduce<BaselineOutcome | undefined>((best, b) => (!best || b.rows / b.seconds > best.rows / best.seconds ? b : best), undefined);
  const reference = copyBest ?? base[0];
  const refRate = reference ? reference.rows / reference.seconds : NaN;
  const rows: string[][] = [];
  if (api) {
    const rate = api.containers / api.seconds;
    rows.push([`API POST ${INVENTORY_PATH} (signed)`, fmtInt(api.containers), api.seconds.toFixed(2), fmtRate(rate), fmtRate(api.podEvents / api.seconds), `${((rate / refRate) * 100).toFixed(1)}%`]);
  }
  for (const b of base) {
    const rate = b.rows / b.seconds;
    const spread = b.runs.length > 1 ? ` (${b.runs.map((r) => r.toFixed(2)).join('/')})` : '';
    rows.push([b.label, fmtInt(b.rows), `${b.seconds.toFixed(2)}${spread}`, fmtRate(rate), '—', `${((rate / refRate) * 100).toFixed(1)}%`]);
  }
  log();
  log(table(['path', 'rows', 'seconds', 'container obs/s', 'pod events/s', `vs ${copyBest ? 'best COPY' : 'baseline'}`], rows));

  let ok = !apiError;
  if (api) {
    const lat = summarize(api.batchLatencyMs);
    const rate = api.containers / api.seconds;
    log(`\nper-batch latency (${settings.podsPerBatch} pods, ${settings.agents} in flight): p50 ${fmtMs(lat.p50)}  p95 ${fmtMs(lat.p95)}  p99 ${fmtMs(lat.p99)}  max ${fmtMs(lat.max)}`);
    const cost = parseAndValidateCost(timed);
    log(`Node CPU (API + agent clients, one process) during the timed phase: ${api.nodeCpuSeconds.toFixed(2)} s over ${api.seconds.toFixed(2)} s wall (${((api.nodeCpuSeconds / api.seconds) * 100).toFixed(0)}% of one core)`);
    log(`per batch before any SQL: JSON.parse ${fmtMs(cost.parseMs)}, validateInventoryBatch ${fmtMs(cost.validateMs)}`);
    log(`observations table after the run: ${fmtInt(api.rowsInTable)} rows (expected ${fmtInt(api.expectedRows)} distinct cluster/pod/container/digest keys)`);
    const meets = (b: boolean) => (b ? 'met' : 'NOT met');
    log(`target ≥ ${fmtInt(TARGET_OBS_PER_SECOND)} container obs/s: ${meets(rate >= TARGET_OBS_PER_SECOND)} (${fmtRate(rate)})`);
    if (copyBest) log(`target ≥ ${TARGET_SHARE_OF_COPY * 100}% of raw COPY: ${meets(rate / refRate >= TARGET_SHARE_OF_COPY)} (${((rate / refRate) * 100).toFixed(1)}% of ${fmtRate(refRate)}/s)`);
    if (api.problems.length) {
      ok = false;
      log(`PROBLEMS (first ${api.problems.length}):\n  ${api.problems.join('\n  ')}`);
    }
    if (api.rowsInTable !== api.expectedRows) {
      ok = false;
      log(`PROBLEM: row count ${api.rowsInTable} differs from the ${api.expectedRows} distinct keys sent`);
    }
  }
  log(`baselines: median of ${settings.baselineRuns} runs, each into a fresh database (seconds of every run in brackets)`);
  log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}; bench wall time ${secondsSince(benchStart).toFixed(1)} s`);
  return ok;
}

/** The entry point bench/run-all.ts calls. */
export const run = runInventoryIngestBench;

if (require.main === module) {
  runInventoryIngestBench().then(
    (ok) => process.exit(ok ? 0 : 1),
    (error) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
}
