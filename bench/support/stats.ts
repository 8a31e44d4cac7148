// Timing and reporting helpers shared by the benchmarks. Wall time only, from
// process.hrtime.bigint(); every figure is printed beside its same-run baseline.
import { readFileSync } from 'node:fs';

export function now(): bigint {
  return process.hrtime.bigint();
}

export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function secondsSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles over milliseconds. */
export function summarize(samplesMs: readonly number[]): LatencySummary {
  if (samplesMs.length === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  return { count: sorted.length, p50: rank(50), p95: rank(95), p99: rank(99), max: sorted[sorted.length - 1], mean };
}

export function fmtMs(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`;
}

export function fmtRate(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return Math.round(v).toLocaleString('en-US');
}

export function fmtInt(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

/** A plain fixed-width table (no dependency), rows of cells. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function log(message = ''): void {
  process.stdout.write(`${message}\n`);
}

/** Deterministic PRNG (mulberry32) so two runs send the same workload. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: must be an integer between ${min} and ${max} (got "${raw}")`);
  return n;
}

/**
 * CPU time the whole machine spent (every process: server, load generator,
 * Postgres) since `machineCpuMs()` was last read, from /proc/stat; on a
 * 2-core box this is what bounds throughput, not one process's share.
 */
export function machineCpuMs(): number {
  try {
    const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
    const [user, nice, system, , , irq, softirq, steal] = cpu.trim().split(/\s+/).slice(1).map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN; // not Linux: the column shows n/a
  }
}

/** USER_HZ: 100 on every Linux this runs on (sysconf is out of reach from Node). */
const CLOCK_TICKS_PER_SECOND = 100;
