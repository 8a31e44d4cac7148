import { Agent, request } from 'undici';
import { guardedLookup } from './sink-target';

export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * Delivery attempts one worker runs at once (the deliver processor's
 * concurrency). Each sink gets as many keep-alive connections, so an attempt
 * never spends its deadline queued behind others to the same sink.
 */
export const DELIVERY_CONCURRENCY = 64;

/** POSTs one delivery with a hard deadline; never throws (a failure is a result to record). */
export class HttpSender {
  private readonly agent: Agent;

  constructor(private readonly options: { timeoutMs: number; allowPrivateTargets: boolean }) {
    this.agent = new Agent({
      connect: { lookup: guardedLookup(options.allowPrivateTargets) as never, timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connections: DELIVERY_CONCURRENCY,
    });
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = process.hrtime.bigint();
    const latency = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
    try {
      const response = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        maxRedirections: 0,
      } as Parameters<typeof request>[1]);
      let read = 0;
      for await (const chunk of response.body) {
        read += (chunk as Buffer).length;
        if (read > MAX_RESPONSE_BYTES) {
          response.body.destroy();
          break;
        }
      }
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      return { statusCode: response.statusCode, latencyMs: latency(), error: ok ? null : `sink answered ${response.statusCode}` };
    } catch (error) {
      const message = error instanceof Error ? (error.name === 'TimeoutError' || /timeout/i.test(error.message) ? `no answer within ${this.options.timeoutMs} ms` : error.message) : String(error);
      return { statusCode: null, latencyMs: latency(), error: message.slice(0, 500) };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
