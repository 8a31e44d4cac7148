import type { INestApplicationContext } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { AGENT_ENDPOINTS, PROTOCOL_LIMITS, validateAdmissionRequest } from '@vigil/agent-protocol';
import { AGENT_SIGNATURE_REFUSED, AgentRequestAuthenticator, invalidAgentBody } from '@vigil/clusters';
import { ErrorBody, errorBody, errorResponseFor } from '@vigil/shared/errors';
import { loggerParams } from '@vigil/shared/logging';
import { MetricsRegistry } from '@vigil/shared/observability';
import { AdmissionService } from '@vigil/verification';
import { laneAccessLog, type LaneRequestLog } from './lane-access-log';
import { PinoLogger } from 'nestjs-pino';
// Where nestjs-pino keeps the request's logger for Nest's Logger calls (its middleware's ALS; not re-exported by the index).
import { Store, storage } from 'nestjs-pino/storage';
import { Counter } from 'prom-client';

const ROUTE = AGENT_ENDPOINTS.admission.path;

/**
 * `POST /v1/agent/admission` served before Express and Nest's router (see
 * serveFirst): every pod creation in every cluster waits on this answer, and
 * the framework's per-request cost (router walk over every route, middleware
 * chain, guard and pipe machinery) was most of a decision's CPU
 * (docs/benchmarks.md). The lane keeps what the stack does for this route,
 * with the same code where it matters: the access log line and request id
 * (pino-http's, with the API's options, made lazily: lane-access-log.ts), the
 * metrics histogram, the signature check (AgentRequestAuthenticator, shared
 * with AgentSignatureGuard), the protocol validation and 400 body
 * (invalidAgentBody), and the error shape (errorResponseFor, shared with
 * HttpExceptionFilter).
 *
 * It takes only the plain case: a JSON body with a Content-Length within the
 * protocol limit, no content encoding, no query string. Anything else goes to
 * the full stack, which answers it as it always has (413, 415-ish fallbacks,
 * inflating, chunked bodies). A parity test sends the same requests to an API
 * with and without the lane.
 */
export function admissionFastLane(app: INestApplicationContext, logLevel: string): Lane {
  const authenticator = app.get(AgentRequestAuthenticator);
  const admission = app.get(AdmissionService);
  const metrics = app.get(MetricsRegistry);
  const duration = metrics.httpDuration;
  // Operators see whether agents' requests take the lane (a proxy that re-chunks bodies would send them all the long way).
  const laneRequests = new Counter({
    name: 'vigil_admission_fast_lane_requests_total',
    help: 'POST /v1/agent/admission requests by path taken: served by the fast lane, or passed to the full stack',
    labelNames: ['path'],
    registers: [metrics.registry],
  });
  const accessLog = laneAccessLog({ ...loggerParams(logLevel).pinoHttp, logger: PinoLogger.root });

  return function admissionLane(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    if (req.method !== 'POST' || req.url !== ROUTE) return next();
    if (!takesPlainCase(req)) {
      laneRequests.inc({ path: 'passed' });
      return next();
    }
    laneRequests.inc({ path: 'served' });
    const stopTimer = duration.startTimer();
    res.once('finish', () => stopTimer({ method: 'POST', route: ROUTE, status_code: String(res.statusCode) }));
    const requestLog = accessLog(req, res);
    readBody(req, Number(req.headers['content-length']))
      .then((raw) => storage.run(lazyStore(requestLog), () => answer(req, raw)))
      .then(
        ({ status, body }) => send(res, status, body),
        (error: unknown) => {
          const { payload, unexpected } = errorResponseFor(error);
          if (unexpected) requestLog.logger.error({ err: error }, 'unhandled error');
          send(res, payload.statusCode, payload);
        },
      );
  };

  async function answer(req: IncomingMessage, raw: Buffer): Promise<{ status: number; body: unknown }> {
    const parsed = parseJsonObject(raw);
    if (parsed === undefined) return refusal(400, 'request body is not valid JSON');
    // As AgentSignatureGuard on the full stack: the nonce is remembered in the decision's commit.
    const verified = await authenticator.authenticateDeferringReplayCheck({ method: 'POST', path: ROUTE, headers: req.headers, rawBody: raw });
    if (!verified) return refusal(401, AGENT_SIGNATURE_REFUSED);
    const request = validateAdmissionRequest(parsed);
    if (!request.ok) return { status: 400, body: errorResponseFor(invalidAgentBody(request.errors)).payload };
    return { status: 200, body: await admission.decide(verified.agent, request.value, verified.nonce) };
  }
}

type Lane = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * Puts `lane` in front of the server's request listeners (Express, which Nest
 * attached when it made the server): what the lane passes on reaches them
 * unchanged. Express's own per-request work (its router walk, prototype
 * swaps, query parsing) is then spent only on what the lane does not serve.
 */
export function serveFirst(server: Server, lane: Lane): void {
  const framework = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => lane(req, res, () => framework.forEach((listener) => listener.call(server, req, res))));
}

/**
 * nestjs-pino's per-request store for Nest's Logger calls (it reads only
 * `logger`): the request's log itself, whose logger is made only if something
 * logs. A Store instance would need its field redefined as a getter per
 * request, which costs more than the object.
 */
function lazyStore(requestLog: LaneRequestLog): Store {
  return requestLog as Store;
}

/** The plain case only; see above. */
function takesPlainCase(req: IncomingMessage): boolean {
  const h = req.headers;
  const length = Number(h['content-length']);
  if (!Number.isInteger(length) || length <= 0 || length > PROTOCOL_LIMITS.maxBodyBytes) return false;
  if (h['transfer-encoding'] !== undefined || (h['content-encoding'] !== undefined && h['content-encoding'] !== 'identity')) return false;
  const type = h['content-type'];
  return type === 'application/json' || type === 'application/json; charset=utf-8';
}

function readBody(req: IncomingMessage, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    });
    req.once('end', () => (received === length ? resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received)) : reject(new BodyLengthError())));
    req.once('error', reject);
  });
}

/** Like body-parser's strict JSON: an object or array, else undefined. */
function parseJsonObject(raw: Buffer): unknown {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return value !== null && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

function refusal(status: number, message: string): { status: number; body: ErrorBody } {
  return { status, body: errorBody(status, message) };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** The body ended before (or after) its Content-Length: what body-parser reports as 400. */
class BodyLengthError extends Error {
  readonly status = 400;
  readonly type = 'request.size.invalid';
  constructor() {
    super('request size did not match content length');
  }
}
