import { Agent, request } from 'undici';
import {
  ForbiddenTargetError,
  OciError,
  RegistryProtocolError,
  RegistryTimeoutError,
  RegistryUnavailableError,
} from '../errors/oci.errors';
import { readBounded } from './bounded-body.reader';
import { backoffDelay, isRetryableStatus, sleep, type RetryOptions } from './retry-policy';
import { assertPublicHost, guardedLookup, type Resolver } from './target-guard';

export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** Most bytes of the body to read from a 2xx answer. */
  readonly maxBytes: number;
  /** Words for error messages: `manifest acme/app:1.0`. */
  readonly what: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

export interface TransportOptions {
  readonly timeoutMs: number;
  readonly retry: RetryOptions;
  readonly allowPrivateTargets: boolean;
  /** Hosts (`host[:port]`) that may be reached over plain HTTP. */
  readonly insecureHosts: ReadonlySet<string>;
  readonly resolver?: Resolver;
  readonly userAgent: string;
}

const MAX_REDIRECTS = 5;
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * HTTP for registry and token endpoints: every hop (redirects included) is
 * checked against SSRF rules, every attempt has a deadline covering headers
 * and body, network errors and 5xx/429 are retried with backoff, bodies are
 * bounded. Auth is the caller's job.
 */
export class RegistryHttpTransport {
  private readonly agent: Agent;

  constructor(private readonly options: TransportOptions) {
    this.agent = new Agent({
      connect: {
        timeout: options.timeoutMs,
        ...(options.allowPrivateTargets ? {} : { lookup: guardedLookup(options.resolver) }),
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  isInsecure(host: string): boolean {
    const lower = host.toLowerCase();
    return this.options.insecureHosts.has(lower) || this.options.insecureHosts.has(lower.replace(/:\d+$/, ''));
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const { retry } = this.options;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.sendFollowingRedirects(req);
        if (isRetryableStatus(response.status) && attempt < retry.retries) {
          await sleep(backoffDelay(attempt, retry, header(response.headers, 'retry-after')));
          continue;
        }
        if (isRetryableStatus(response.status)) {
          throw new RegistryUnavailableError(`${req.what}: registry answered ${response.status} after ${attempt + 1} attempts`, response.status);
        }
        return response;
      } catch (error) {
        const retryable = error instanceof RegistryTimeoutError || (error instanceof RegistryUnavailableError && error.status === undefined);
        if (!retryable || attempt >= retry.retries) throw error;
        await sleep(backoffDelay(attempt, retry));
      }
    }
  }

  private async sendFollowingRedirects(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    let headers = { ...req.headers };
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await this.sendOnce({ ...req, url, headers });
      const location = header(response.headers, 'location');
      const redirect = [301, 302, 303, 307, 308].includes(response.status) && location;
      // Upload sessions answer 202 with a Location the caller follows itself; only real redirects are followed here.
      if (!redirect || req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') return response;
      const next = new URL(location, url);
      // Blob redirects point at object storage: credentials for the registry must not travel there.
      if (next.origin !== url.origin) {
        const { authorization: _dropped, ...rest } = headers as Record<string, string>;
        headers = rest;
      }
      url = next;
    }
    throw new RegistryProtocolError(`${req.what}: more than ${MAX_REDIRECTS} redirects`);
  }

  private async sendOnce(req: HttpRequest): Promise<HttpResponse> {
    const { url } = req;
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.isInsecure(url.host))) {
      throw new RegistryProtocolError(`${req.what}: refusing ${url.protocol}//${url.host} (plain HTTP only for VIGIL_INSECURE_REGISTRIES)`);
    }
    if (!this.options.allowPrivateTargets) await this.assertPublic(url.hostname, req.what);
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await request(url, {
        method: req.method,
        headers: { 'user-agent': this.options.userAgent, ...req.headers },
        body: req.body,
        dispatcher: this.agent,
        signal,
      });
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      const body =
        req.method === 'HEAD'
          ? (await response.body.dump(), Buffer.alloc(0))
          : await readBounded(
              response.body,
              ok ? req.maxBytes : ERROR_BODY_LIMIT,
              ok ? header(response.headers, 'content-length') : undefined,
              req.what,
            ).catch((error: unknown) => {
              // An oversized error body is not worth failing over; its status is what matters.
              if (!ok && error instanceof OciError && error.code === 'content_too_large') return Buffer.alloc(0);
              throw error;
            });
      return { status: response.statusCode, url, headers: response.headers, body };
    } catch (error) {
      throw classify(error, req.what, signal);
    }
  }

  private async assertPublic(hostname: string, what: string): Promise<void> {
    try {
      await assertPublicHost(hostname, this.options.resolver);
    } catch (error) {
      if (error instanceof ForbiddenTargetError) throw error;
      throw new RegistryUnavailableError(`${what}: cannot resolve ${hostname} (${(error as Error).message})`, undefined, { cause: error });
    }
  }
}

export function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function classify(error: unknown, what: string, signal: AbortSignal): Error {
  if (error instanceof OciError) return error;
  const forbidden = findCause(error, (e) => e instanceof ForbiddenTargetError);
  if (forbidden) return forbidden as Error;
  const code = (error as { code?: string })?.code;
  if (signal.aborted || (code && TIMEOUT_CODES.has(code))) {
    return new RegistryTimeoutError(`${what}: no answer from the registry in time`, { cause: error });
  }
  return new RegistryUnavailableError(`${what}: ${(error as Error)?.message ?? String(error)}`, undefined, { cause: error });
}

function findCause(error: unknown, predicate: (e: unknown) => boolean): unknown {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (predicate(current)) return current;
  }
  return undefined;
}
