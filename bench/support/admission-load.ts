// The admission load generator, in a child process of its own. Real agents
// are never inside the API's process; a generator that shares the server's
// event loop measures itself as much as the server (signing, undici and JSON
// parsing took about a third of the single thread when it ran in-process),
// and its requests are prepared and signed before the clock starts, sent over
// raw keep-alive connections (raw-http-connection.ts): on two shared cores,
// what the generator spends the server cannot.
// Every run of a benchmark, baselines included, goes through this same
// generator, so the ratios stay fair.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { signRequest, type AdmissionResponse } from '@vigil/agent-protocol';
import type { AgentCredential } from './bench-platform';
import { rawPost, RawHttpConnection, type RawResponse } from './raw-http-connection';
import { msSince, now, secondsSince, summarize, type LatencySummary } from './stats';

export const ADMISSION_PATH = '/v1/agent/admission';

/** What the answer must look like: every image allowed without remarks, or just `allowed`, or anything 200. */
export type AnswerCheck = 'clean-allow' | 'allowed' | 'any';

export interface LoadJob {
  label: string;
  url: string;
  requests: number;
  concurrency: number;
  refs: string[];
  /** Signed as the agent signs; unsigned (the bare server) when absent. */
  credential?: AgentCredential;
  check: AnswerCheck;
}

export interface LoadOutcome {
  label: string;
  seconds: number;
  latency: LatencySummary;
  perSecond: number;
  problems: string[];
}

export function admissionBody(i: number, refs: readonly string[]): string {
  return JSON.stringify({
    uid: randomUUID(),
    kind: 'Deployment',
    namespace: 'shop',
    name: `web-${i % 50}`,
    operation: 'CREATE',
    labels: { app: 'web' },
    images: [{ container: 'app', type: 'container', ref: refs[i % refs.length] }],
  });
}

function problemOf(check: AnswerCheck, res: RawResponse): string | null {
  if (res.status !== 200) return `HTTP ${res.status} ${res.body.slice(0, 200)}`;
  if (check === 'any') return null;
  const answer = JSON.parse(res.body) as AdmissionResponse;
  if (check === 'allowed' && !answer?.allowed) return `not allowed: ${res.body.slice(0, 300)}`;
  if (check === 'clean-allow' && !(answer.allowed && answer.reasons.length === 0 && answer.warnings.length === 0 && answer.decisions.length === 1)) {
    return `unexpected answer ${res.body.slice(0, 300)}`;
  }
  return null;
}

/** Every request of the job as bytes, signed as the agent signs (within the platform's 300 s window of the run). */
function preparedRequests(job: LoadJob): Buffer[] {
  const { host } = new URL(job.url);
  return Array.from({ length: job.requests }, (_, i) => {
    const body = admissionBody(i, job.refs);
    const signature = job.credential
      ? signRequest({ method: 'POST', path: ADMISSION_PATH, body, keyId: job.credential.keyId, secret: job.credential.secret, clusterId: job.credential.clusterId })
      : {};
    return rawPost(host, ADMISSION_PATH, { ...signature, 'content-type': 'application/json' }, body);
  });
}

/** A closed loop: `concurrency` keep-alive connections, each sending its next request when the previous one is answered. */
async function closedLoop(job: LoadJob): Promise<LoadOutcome> {
  const requests = preparedRequests(job);
  const { hostname, port } = new URL(job.url);
  const connections = await Promise.all(Array.from({ length: job.concurrency }, () => RawHttpConnection.open(hostname, Number(port))));
  const latencies: number[] = [];
  const problems: string[] = [];
  let next = 0;
  try {
    const start = now();
    await Promise.all(
      connections.map(async (connection) => {
        while (next < requests.length) {
          const request = requests[next++];
          const t = now();
          const res = await connection.send(request);
          latencies.push(msSince(t));
          const problem = problemOf(job.check, res);
          if (problem && problems.length < 5) problems.push(problem);
        }
      }),
    );
    const seconds = secondsSince(start);
    return { label: job.label, seconds, latency: summarize(latencies), perSecond: job.requests / seconds, problems };
  } finally {
    for (const connection of connections) connection.close();
  }
}

/** Runs one load job in a fresh child process and returns what it measured. */
export function runLoad(job: LoadJob): Promise<LoadOutcome> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--admission-load-child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let outcome: LoadOutcome | undefined;
    child.on('message', (message: { outcome?: LoadOutcome; error?: string }) => {
      if (message.error) reject(new Error(`load generator: ${message.error}`));
      outcome = message.outcome;
    });
    child.once('error', reject);
    child.once('exit', (code) => (outcome ? resolve(outcome) : reject(new Error(`load generator exited with code ${code} and no result`))));
    child.send(job);
  });
}

if (process.argv.includes('--admission-load-child')) {
  process.once('message', (job: LoadJob) => {
    closedLoop(job).then(
      (outcome) => process.send!({ outcome }, () => process.exit(0)),
      (error: unknown) => process.send!({ error: error instanceof Error ? error.message : String(error) }, () => process.exit(1)),
    );
  });
}
