// Raw-load baselines into the platform's own `observations` table: the
// fastest ways to put the same rows into Postgres without the platform.
//  * COPY ... FROM STDIN, streamed by `psql` (pg-copy-streams is not a
//    dependency; psql ships with the Postgres client and speaks the same
//    COPY protocol).
//  * multi-row INSERT through node-postgres, one statement per batch.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { connect } from './bench-platform';
import { OBSERVATION_COLUMNS, ObservationRow } from './inventory-workload';
import { now, secondsSince } from './stats';

/** An org, its root group and `clusters` clusters inserted directly (superuser, so RLS does not apply). */
export async function seedOrgAndClusters(client: Client, clusters: number): Promise<{ orgId: string; rootGroupId: string; clusterIds: string[] }> {
  const orgId = randomUUID();
  const rootGroupId = randomUUID();
  const clusterIds = Array.from({ length: clusters }, () => randomUUID());
  await client.query('BEGIN');
  try {
    await client.query(`INSERT INTO organizations (id, name, root_group_id) VALUES ($1, 'bench-org', $2)`, [orgId, rootGroupId]);
    await client.query(`INSERT INTO groups (id, org_id, parent_id, name, ancestor_ids) VALUES ($1, $2, NULL, 'root', '{}')`, [rootGroupId, orgId]);
    for (const [i, id] of clusterIds.entries()) {
      await client.query(`INSERT INTO clusters (id, org_id, group_id, name, health) VALUES ($1, $2, $3, $4, 'healthy')`, [id, orgId, rootGroupId, `bench-cluster-${i}`]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { orgId, rootGroupId, clusterIds };
}

function csvField(v: string | boolean | null): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return /[",\n\r]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v;
}

export function toCsv(rows: readonly ObservationRow[]): string {
  let out = '';
  for (const r of rows) out += r.map(csvField).join(',') + '\n';
  return out;
}

export function psqlAvailable(): boolean {
  const r = spawnSync('psql', ['--version'], { encoding: 'utf8' });
  return r.status === 0;
}

function psqlCopy(url: string, csv: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', [url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `COPY observations (${OBSERVATION_COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT csv)`], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`psql COPY exited ${code}: ${stderr.trim().slice(0, 500)}`))));
    child.stdin.end(csv);
  });
}

/** COPY of prebuilt CSV in `streams` parallel COPY statements; returns seconds (CSV building excluded, as JSON building is on the API side). */
export async function timedCopy(url: string, rows: readonly ObservationRow[], streams: number): Promise<number> {
  const per = Math.ceil(rows.length / streams);
  const parts = Array.from({ length: streams }, (_, i) => toCsv(rows.slice(i * per, (i + 1) * per))).filter((p) => p.length > 0);
  const start = now();
  await Promise.all(parts.map((csv) => psqlCopy(url, csv)));
  return secondsSince(start);
}

/** Multi-row INSERTs of `batchSize` rows (one autocommitted statement each) over `connections` connections. */
export async function timedMultiRowInsert(url: string, rows: readonly ObservationRow[], batchSize: number, connections: number): Promise<number> {
  const cols = OBSERVATION_COLUMNS.length;
  const batches: ObservationRow[][] = [];
  for (let i = 0; i < rows.length; i += batchSize) batches.push(rows.slice(i, i + batchSize) as ObservationRow[]);
  const clients = await Promise.all(Array.from({ length: connections }, () => connect(url, 'vigil-bench-insert')));
  try {
    const sqlFor = new Map<number, string>();
    const sql = (n: number) => {
      let s = sqlFor.get(n);
      if (!s) {
        const tuples = Array.from({ length: n }, (_, r) => `(${Array.from({ length: cols }, (_, c) => `$${r * cols + c + 1}`).join(',')})`);
        s = `INSERT INTO observations (${OBSERVATION_COLUMNS.join(', ')}) VALUES ${tuples.join(',')}`;
        sqlFor.set(n, s);
      }
      return s;
    };
    let next = 0;
    const start = now();
    await Promise.all(
      clients.map(async (client) => {
        for (let guard = 0; guard < batches.length; guard++) {
          const i = next++;
          if (i >= batches.length) return;
          const batch = batches[i];
          await client.query(sql(batch.length), batch.flat());
        }
      }),
    );
    return secondsSince(start);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

export async function countObservations(url: string): Promise<number> {
  const client = await connect(url);
  try {
    const { rows } = await client.query<{ n: string }>('SELECT count(*)::bigint AS n FROM observations');
    return Number(rows[0].n);
  } finally {
    await client.end();
  }
}
