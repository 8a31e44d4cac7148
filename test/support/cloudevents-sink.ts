import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudEvent, HTTP } from 'cloudevents';
import { Webhook } from 'standardwebhooks';

export interface Received {
  deliveryId: string;
  event: CloudEvent<Record<string, unknown>>;
  mode: 'binary' | 'structured';
}

/**
 * A subscriber as a customer would write one: it parses requests with the
 * cloudevents SDK and verifies them with the standardwebhooks library. Tests
 * script how it answers (status, delay) to play a slow or dead sink.
 */
export class CloudEventsSink {
  readonly received: Received[] = [];
  readonly rejected: string[] = [];
  requests = 0;
  inFlight = 0;
  /** The most requests it was answering at once. */
  maxInFlight = 0;
  answer: { status: number; delayMs: number } = { status: 204, delayMs: 0 };
  secret: string | null = null;
  private server!: Server;
  listeners: (() => void)[] = [];

  static async start(): Promise<CloudEventsSink> {
    const sink = new CloudEventsSink();
    sink.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        sink.requests++;
        sink.inFlight++;
        sink.maxInFlight = Math.max(sink.maxInFlight, sink.inFlight);
        const { status, delayMs } = sink.answer;
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        sink.inFlight--;
        if (status >= 200 && status < 300) sink.accept(req.headers, Buffer.concat(chunks).toString('utf8'));
        res.writeHead(status).end();
        for (const listener of [...sink.listeners]) listener();
      });
    });
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** Unique deliveries received (receivers de-duplicate by webhook-id). */
  get uniqueDeliveries(): string[] {
    return [...new Set(this.received.map((r) => r.deliveryId))];
  }

  waitFor(predicate: () => boolean, what: string, timeoutMs = 20000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sink: gave up waiting for ${what} (received ${this.received.length}, requests ${this.requests})`)), timeoutMs);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== check);
        resolve();
      };
      this.listeners.push(check);
    });
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(headers: IncomingHttpHeaders, body: string): void {
    const flat = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
    try {
      if (!this.secret) throw new Error('sink has no secret');
      new Webhook(this.secret).verify(body, flat);
      const event = HTTP.toEvent({ headers, body }) as CloudEvent<Record<string, unknown>>;
      const mode = String(headers['content-type']).startsWith('application/cloudevents+json') ? 'structured' : 'binary';
      this.received.push({ deliveryId: flat['webhook-id'], event, mode });
    } catch (error) {
      this.rejected.push(String(error));
    }
  }
}
