import { createServer, Server } from 'node:http';
import type { Redis } from 'ioredis';
import { Database } from '@vigil/shared/database';
import { pingRedis } from '@vigil/shared/queue';
import { MetricsRegistry } from '@vigil/shared/observability';

/** The worker's only HTTP surface: liveness, readiness and metrics for the orchestrator. */
export function startHealthServer(port: number, deps: { database: Database; redis: Redis; metrics: MetricsRegistry }): Server {
  const server = createServer(async (req, res) => {
    try {
      if (req.url === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      if (req.url === '/readyz') {
        const [db, redis] = await Promise.allSettled([deps.database.ping(), pingRedis(deps.redis, 2000)]);
        const ok = db.status === 'fulfilled' && redis.status === 'fulfilled';
        const body = { status: ok ? 'ok' : 'unavailable', checks: { postgres: db.status === 'fulfilled' ? 'ok' : 'unreachable', redis: redis.status === 'fulfilled' ? 'ok' : 'unreachable' } };
        return void res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      }
      if (req.url === '/metrics') {
        const text = await deps.metrics.registry.metrics();
        return void res.writeHead(200, { 'content-type': deps.metrics.registry.contentType }).end(text);
      }
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":404,"error":"Not Found","message":"not found"}');
    } catch {
      res.writeHead(500).end();
    }
  });
  server.listen(port, '0.0.0.0');
  return server;
}
