import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { z } from 'zod';
import { AGENT_ENDPOINTS, AgentEndpointName, ClusterCredential, agentEndpointPath, signRequest } from '@vigil/agent-protocol';
import type { AgentMetrics } from '../health/agent-metrics';
import { PlatformError } from './platform-errors';

type ResponseOf<N extends AgentEndpointName> = z.output<(typeof AGENT_ENDPOINTS)[N]['response']>;
type RequestOf<N extends AgentEndpointName> = (typeof AGENT_ENDPOINTS)[N]['request'] extends z.ZodType ? z.input<(typeof AGENT_ENDPOINTS)[N]['request']> : undefined;

export interface CallOptions {
  timeoutMs: number;
  id?: string;
}

/**
 * The agent's only door to the platform: every call has a timeout, every call
 * but registration is signed with the current credential (`signRequest`), and
 * every response is validated with the protocol schema (unknown keys stripped).
 */
export class PlatformClient {
  private credential?: ClusterCredential;
  private readonly baseUrl: string;
  private readonly dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

  constructor(
    apiUrl: string,
    private readonly metrics: AgentMetrics,
    private readonly log: Logger,
  ) {
    // The signed path excludes any base path of VIGIL_API_URL (protocol), so keep it apart.
    this.baseUrl = apiUrl.replace(/\/+$/, '');
  }

  get current(): ClusterCredential | undefined {
    return this.credential;
  }

  useCredential(credential: ClusterCredential): void {
    this.credential = credential;
  }

  async call<N extends AgentEndpointName>(name: N, body: RequestOf<N>, options: CallOptions): Promise<ResponseOf<N>> {
    const endpoint = AGENT_ENDPOINTS[name];
    const path = agentEndpointPath(name, { id: options.id });
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'vigil-agent' };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (endpoint.signed) {
      const c = this.credential;
      if (!c) throw new PlatformError('http', 'no credential yet: the agent has not registered', 401);
      Object.assign(headers, signRequest({ method: endpoint.method, path, body: payload, keyId: c.keyId, secret: c.secret, clusterId: c.clusterId }));
    }
    const started = process.hrtime.bigint();
    const observe = (outcome: string) =>
      this.metrics.platformRequests.observe({ endpoint: name, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    const signal = AbortSignal.timeout(options.timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await request(`${this.baseUrl}${path}`, { method: endpoint.method, headers, body: payload, signal, dispatcher: this.dispatcher });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      const kind = signal.aborted ? 'timeout' : 'network';
      observe(kind);
      throw new PlatformError(kind, kind === 'timeout' ? `${name}: no answer within ${options.timeoutMs} ms` : `${name}: ${(error as Error).message}`);
    }
    if (status < 200 || status >= 300) {
      observe(`http_${status}`);
      // Never log the body of a register response or request: it carries secrets. Error bodies
      // of the other endpoints are `{statusCode, error, message}`: the message says why (e.g. a 409).
      const detail = name === 'register' ? undefined : errorMessageOf(text);
      throw new PlatformError('http', `${name}: platform answered ${status}${detail ? `: ${detail}` : ''}`, status, detail);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      observe('invalid');
      throw new PlatformError('invalid-response', `${name}: response is not JSON`);
    }
    const result = endpoint.response.safeParse(parsed);
    if (!result.success) {
      observe('invalid');
      this.log.warn({ endpoint: name, issues: result.error.issues.slice(0, 5) }, 'platform response does not match the protocol');
      throw new PlatformError('invalid-response', `${name}: response does not match the protocol`);
    }
    observe('ok');
    return result.data as ResponseOf<N>;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/** The `message` of an error body, bounded; undefined when there is none. */
function errorMessageOf(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    const message = body && typeof body === 'object' ? (body as { message?: unknown }).message : undefined;
    return typeof message === 'string' && message ? message.slice(0, 500) : undefined;
  } catch {
    return undefined;
  }
}
