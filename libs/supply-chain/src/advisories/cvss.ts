import { AdvisorySeverity, SeverityLevel } from './advisory';

// CVSS v3.0/v3.1 base score (FIRST specification §7.1, Appendix A roundup).

const WEIGHTS = {
  AV: { N: 0.85, A: 0.62, L: 0.55, P: 0.2 },
  AC: { L: 0.77, H: 0.44 },
  UI: { N: 0.85, R: 0.62 },
  CIA: { H: 0.56, L: 0.22, N: 0 },
} as const;

function lookup<T extends Record<string, number>>(table: T, key: string | undefined): number | undefined {
  return key !== undefined && key in table ? table[key as keyof T] : undefined;
}

/** CVSS 3.1 Roundup: smallest one-decimal number >= x, robust to float error. */
function roundUp31(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

function parseVector(vector: string): { version: string; metrics: Map<string, string> } | undefined {
  const [head, ...parts] = vector.trim().split('/');
  const m = /^CVSS:(\d\.\d)$/.exec(head);
  if (!m) return undefined;
  const metrics = new Map<string, string>();
  for (const part of parts) {
    const [k, v, extra] = part.split(':');
    if (!k || !v || extra !== undefined || metrics.has(k)) return undefined;
    metrics.set(k, v);
  }
  return { version: m[1], metrics };
}

/** The base score of a `CVSS:3.x/...` vector, or undefined when the vector is malformed. */
export function cvss3BaseScore(vector: string): number | undefined {
  const parsed = parseVector(vector);
  if (!parsed || !parsed.version.startsWith('3.')) return undefined;
  const m = parsed.metrics;
  const scope = m.get('S');
  if (scope !== 'U' && scope !== 'C') return undefined;
  const changed = scope === 'C';
  const av = lookup(WEIGHTS.AV, m.get('AV'));
  const ac = lookup(WEIGHTS.AC, m.get('AC'));
  const ui = lookup(WEIGHTS.UI, m.get('UI'));
  const pr = { N: 0.85, L: changed ? 0.68 : 0.62, H: changed ? 0.5 : 0.27 }[m.get('PR') ?? ''];
  const c = lookup(WEIGHTS.CIA, m.get('C'));
  const i = lookup(WEIGHTS.CIA, m.get('I'));
  const a = lookup(WEIGHTS.CIA, m.get('A'));
  if (av === undefined || ac === undefined || ui === undefined || pr === undefined) return undefined;
  if (c === undefined || i === undefined || a === undefined) return undefined;

  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * Math.pow(iss - 0.02, 15) : 6.42 * iss;
  const exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0;
  const raw = changed ? Math.min(1.08 * (impact + exploitability), 10) : Math.min(impact + exploitability, 10);
  // 3.0 used a plain ceiling; 3.1 fixed its floating-point surprises.
  return parsed.version === '3.0' ? Math.ceil(raw * 10) / 10 : roundUp31(raw);
}

/** CVSS qualitative rating (v3.1 §5); "None" (0.0) is reported as low. */
export function levelForScore(score: number): SeverityLevel {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

/**
 * Level of a CVSS v4 vector without the v4 MacroVector lookup tables: the
 * base metrics are read through the v3.1 formula (VC/VI/VA as C/I/A, AT:P as
 * AC:H, any subsequent-system impact as a scope change). Used only when the
 * record carries no rating of its own; no score is claimed.
 */
export function approximateCvss4Level(vector: string): SeverityLevel {
  const parsed = parseVector(vector);
  if (!parsed || !parsed.version.startsWith('4.')) return 'unknown';
  const m = parsed.metrics;
  const subsequent = ['SC', 'SI', 'SA'].some((k) => m.get(k) === 'H' || m.get(k) === 'L');
  const ac = m.get('AC') === 'H' || m.get('AT') === 'P' ? 'H' : 'L';
  const ui = m.get('UI') === 'N' ? 'N' : 'R';
  const v3 = `CVSS:3.1/AV:${m.get('AV')}/AC:${ac}/PR:${m.get('PR')}/UI:${ui}/S:${subsequent ? 'C' : 'U'}/C:${m.get('VC')}/I:${m.get('VI')}/A:${m.get('VA')}`;
  const score = cvss3BaseScore(v3);
  return score === undefined ? 'unknown' : levelForScore(score);
}

export function severityFromCvss3(vector: string): AdvisorySeverity | undefined {
  const score = cvss3BaseScore(vector);
  return score === undefined ? undefined : { level: levelForScore(score), score, vector };
}
