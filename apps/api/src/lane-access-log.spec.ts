import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { loggerParams } from '@vigil/shared/logging';
import { laneAccessLog } from './lane-access-log';

/** A real server whose /lane/* requests are logged by laneAccessLog and the rest by pino-http, with the API's options. */
function loggedServer(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const root = pino({ level }, sink);
  const params = loggerParams(level).pinoHttp as Record<string, unknown>;
  let requestsSerialized = 0;
  const serializeRequest = params.serializers as { req: (req: { id: string; method: string; url: string }) => unknown };
  const options = { ...params, logger: root, serializers: { req: (req: { id: string; method: string; url: string }) => (requestsSerialized++, serializeRequest.req(req)) } };
  const lane = laneAccessLog(options);
  const stack = pinoHttp(options);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const status = Number(req.headers['x-status'] ?? 200);
    if (req.url?.startsWith('/lane/')) {
      const log = lane(req, res);
      if (req.headers['x-log-inside']) log.logger.warn('inside');
    } else {
      stack(req, res);
      if (req.headers['x-log-inside']) (req as IncomingMessage & { log: pino.Logger }).log.warn('inside');
    }
    res.setHeader('set-cookie', 'session=secret');
    res.statusCode = status;
    res.end('{}');
  });
  return { server, lines, serialized: () => requestsSerialized };
}

function send(server: Server, path: string, headers: Record<string, string>): Promise<number> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A line without what differs between two requests. */
function comparable(line: Record<string, unknown>): Record<string, unknown> {
  const { time: _time, responseTime, pid: _pid, hostname: _hostname, ...rest } = line;
  const req = rest.req as { url: string };
  const err = rest.err as { stack?: string } | undefined;
  return { ...rest, req: { ...req, url: req.url.replace('/lane/', '/') }, responseTime: typeof responseTime, ...(err ? { err: { ...err, stack: err.stack?.split('\n')[0] } } : {}) };
}

describe('laneAccessLog', () => {
  const started: Server[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function start(level: string) {
    const logged = loggedServer(level);
    await new Promise<void>((resolve) => logged.server.listen(0, '127.0.0.1', resolve));
    started.push(logged.server);
    return logged;
  }

  it.each([
    ['completed', {}],
    ['errored (5xx)', { 'x-status': '503' }],
    ['refused (4xx)', { 'x-status': '401' }],
    ['with a line logged while serving', { 'x-log-inside': '1' }],
  ])('writes the lines pino-http writes: %s', async (_case, headers: Record<string, string>) => {
    const { server, lines } = await start('info');
    await send(server, '/v1/agent/admission', { 'x-request-id': 'req-1', ...headers });
    const viaStack = lines.splice(0).map(comparable);
    await send(server, '/lane/v1/agent/admission', { 'x-request-id': 'req-1', ...headers });
    const viaLane = lines.splice(0).map(comparable);
    expect(viaLane).toEqual(viaStack);
    expect(viaLane.at(-1)).toMatchObject({ req: { id: 'req-1', method: 'POST', url: '/v1/agent/admission' }, res: { headers: { 'set-cookie': '[redacted]' } } });
  });

  it('gives every request an id, and serializes the request only when a line is written', async () => {
    const { server, lines, serialized } = await start('warn');
    for (let i = 0; i < 3; i++) await send(server, '/lane/v1/agent/admission', {});
    expect(serialized()).toBe(0);
    await send(server, '/v1/agent/admission', {});
    expect(serialized()).toBe(1); // pino-http's cost, for comparison
    await send(server, '/lane/v1/agent/admission', { 'x-log-inside': '1' });
    expect(serialized()).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'inside', req: { id: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
  });
});
