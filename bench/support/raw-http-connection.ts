// A keep-alive HTTP/1.1 connection that sends prepared request bytes and reads
// one response at a time: the lightest load generator for the admission
// benchmark, whose generator shares the server's two cores. undici spent about
// as much CPU per request as the API's whole fast lane; these requests are
// built (and signed) before the clock starts, so the generator costs what a
// socket write and a small parse cost.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** `POST path` with `headers` and `body`, as bytes on the wire. */
export function rawPost(host: string, path: string, headers: Record<string, string>, body: string): Buffer {
  const payload = Buffer.from(body);
  const lines = [`POST ${path} HTTP/1.1`, `host: ${host}`, `content-length: ${payload.length}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

export class RawHttpConnection {
  private buffered = Buffer.alloc(0);
  private waiting: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.tryParse();
    });
    const fail = (error: Error) => {
      this.waiting?.reject(error);
      this.waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed before the response')));
  }

  static open(host: string, port: number): Promise<RawHttpConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true }, () => resolve(new RawHttpConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends one prepared request and resolves with its response (one in flight per connection). */
  send(request: Buffer): Promise<RawResponse> {
    if (this.waiting) throw new Error('one request at a time per connection');
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private tryParse(): void {
    const headerEnd = this.buffered.indexOf(HEADER_END);
    if (headerEnd < 0 || !this.waiting) return;
    const head = this.buffered.toString('latin1', 0, headerEnd);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    const start = headerEnd + HEADER_END.length;
    let body: Buffer | undefined;
    let consumed = 0;
    if (length) {
      const end = start + Number(length[1]);
      if (this.buffered.length < end) return;
      body = this.buffered.subarray(start, end);
      consumed = end;
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      const chunked = readChunked(this.buffered, start);
      if (!chunked) return;
      ({ body, end: consumed } = chunked);
    } else {
      this.waiting.reject(new Error(`response without a length: ${head.slice(0, 200)}`));
      this.waiting = undefined;
      return;
    }
    this.buffered = this.buffered.subarray(consumed);
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve({ status, body: body.toString('utf8') });
  }
}

/** A whole chunked body from `start`, or undefined while it has not all arrived. */
function readChunked(buffer: Buffer, start: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
    const dataStart = lineEnd + 2;
    if (buffer.length < dataStart + size + 2) return undefined;
    if (size === 0) return { body: Buffer.concat(parts), end: dataStart + 2 };
    parts.push(buffer.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}
