import { createServer, Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { AgentMetrics } from '../health/agent-metrics';
import type { HealthRegistry } from '../health/component-health';
import type { AdmissionHandler } from './admission-handler';

/** An AdmissionReview carries the object and the old object, each up to etcd's 1.5 MiB. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface AgentServerDeps {
  cert: Buffer;
  key: Buffer;
  admission: AdmissionHandler;
  health: HealthRegistry;
  metrics: AgentMetrics;
  log: Logger;
  /** `leader`, `follower`, or `single` (leader election off), and the leader's identity as last seen: reported by /readyz. */
  role: () => { role: string; leader?: string };
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  if (res.headersSent) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
}

/** A thrown handler answers 500 for this request only; the process lives on. */
function failed(d: AgentServerDeps, res: ServerResponse, error: unknown): void {
  d.metrics.handlerErrors.inc({ component: 'admission' });
  d.log.error({ err: error }, 'admission server handler failed');
  send(res, 500, { error: 'internal error' });
}

/** POST /validate. Callbacks rather than async/await: a warm-cache answer is written in the request's 'end' event, without promise ticks. */
function validate(d: AgentServerDeps, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_BODY_BYTES) chunks.push(c);
  });
  req.on('error', (error) => failed(d, res, error));
  req.on('end', () => {
    // Inside an event callback a throw would be uncaught: everything is under this try.
    try {
      if (size > MAX_BODY_BYTES) return send(res, 413, { error: 'AdmissionReview too large' });
      const body = parseJson(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      if (body === NOT_JSON) {
        d.metrics.admissionRequests.inc({ result: 'malformed' });
        return send(res, 400, { error: 'body is not JSON' });
      }
      const answer = d.admission.handle(body);
      if (answer instanceof Promise) answer.then((a) => send(res, a.status, a.body), (error: unknown) => failed(d, res, error));
      else send(res, answer.status, answer.body);
    } catch (error) {
      failed(d, res, error);
    }
  });
}

const NOT_JSON = Symbol('not JSON');

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return NOT_JSON;
  }
}

/** The HTTPS server: POST /validate, and /healthz, /readyz, /metrics beside it. */
export function createAgentServer(d: AgentServerDeps): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/readyz') {
      const s = d.health.snapshot();
      // Ready in either role: every replica serves admission; the role says who runs inventory and commands.
      return send(res, s.ready ? 200 : 503, { status: s.ready ? 'ok' : 'unavailable', ...d.role(), components: s.components });
    }
    if (req.method === 'GET' && path === '/metrics') return send(res, 200, await d.metrics.registry.metrics(), d.metrics.registry.contentType);
    send(res, 404, { error: 'not found' });
  };
  return createServer({ cert: d.cert, key: d.key }, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (req.method === 'POST' && path === '/validate') return validate(d, req, res);
    handle(req, res, path).catch((error: unknown) => failed(d, res, error));
  });
}
