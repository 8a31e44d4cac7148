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
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  if (res.headersSent) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The HTTPS server: POST /validate, and /healthz, /readyz, /metrics beside it. */
export function createAgentServer(d: AgentServerDeps): Server {
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok' });
    if (req.method === 'GET' && path === '/readyz') {
      const s = d.health.snapshot();
      return send(res, s.ready ? 200 : 503, { status: s.ready ? 'ok' : 'unavailable', components: s.components });
    }
    if (req.method === 'GET' && path === '/metrics') return send(res, 200, await d.metrics.registry.metrics(), d.metrics.registry.contentType);
    if (req.method === 'POST' && path === '/validate') {
      const raw = await readBody(req);
      if (!raw) return send(res, 413, { error: 'AdmissionReview too large' });
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        d.metrics.admissionRequests.inc({ result: 'malformed' });
        return send(res, 400, { error: 'body is not JSON' });
      }
      const answer = await d.admission.handle(body);
      return send(res, answer.status, answer.body);
    }
    send(res, 404, { error: 'not found' });
  };
  return createServer({ cert: d.cert, key: d.key }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A thrown handler answers 500 for this request only; the process lives on.
      d.metrics.handlerErrors.inc({ component: 'admission' });
      d.log.error({ err: error }, 'admission server handler failed');
      send(res, 500, { error: 'internal error' });
    });
  });
}
