import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { loadConfigOrExit, parseEnv } from '@vigil/shared/config';
import { agentEnvSchema } from './agent-config';

/**
 * Skeleton of the in-cluster agent: validated configuration and the TLS
 * admission server with its probes. Until the admission loop lands, /validate
 * applies the configured failure policy, exactly as it will when the platform
 * cannot answer in time.
 */
function main(): void {
  const env = loadConfigOrExit(() => parseEnv(agentEnvSchema, process.env));
  const server = createServer({ cert: readFileSync(env.WEBHOOK_TLS_CERT), key: readFileSync(env.WEBHOOK_TLS_KEY) }, (req, res) => {
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/readyz')) return json(200, { status: 'ok' });
    if (req.method === 'POST' && req.url === '/validate') {
      let size = 0;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= 3 * 1024 * 1024) chunks.push(c);
      });
      req.on('end', () => {
        let review: { apiVersion?: string; request?: { uid?: string } };
        try {
          review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return json(400, { error: 'body is not an AdmissionReview' });
        }
        if (!review?.request?.uid) return json(400, { error: 'AdmissionReview.request.uid is missing' });
        const allowed = env.VIGIL_CLUSTER_FAILURE_POLICY === 'ignore';
        json(200, {
          apiVersion: review.apiVersion ?? 'admission.k8s.io/v1',
          kind: 'AdmissionReview',
          response: { uid: review.request.uid, allowed, status: allowed ? undefined : { code: 503, message: 'Vigil: the platform cannot decide yet; failure policy applied' } },
        });
      });
      return;
    }
    json(404, { error: 'not found' });
  });
  server.listen(env.WEBHOOK_PORT, '0.0.0.0');
  process.once('SIGTERM', () => server.close());
}

main();
