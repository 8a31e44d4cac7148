import { createEmptyDatabase } from '../../libs/shared/testing/src';
import { freePort } from '../support/oidc-provider-process';
import { RunningProcess, runToCompletion, startProcess, waitForOk } from '../support/processes';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

describe('the platform as operators start it', () => {
  let database: { url: string; drop: () => Promise<void> };
  let api: RunningProcess | undefined;
  let worker: RunningProcess | undefined;

  beforeAll(async () => {
    database = await createEmptyDatabase();
  });
  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await database.drop();
  });

  it('refuses to start with missing or bad configuration, naming the variables', async () => {
    const missing = await runToCompletion('dist/apps/api/src/main.js', {});
    expect(missing.code).toBe(78);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'VIGIL_SECRET_KEY']) expect(missing.output).toContain(name);

    const bad = await runToCompletion('dist/apps/worker/src/main.js', { DATABASE_URL: database.url, REDIS_URL: 'http://nope', VIGIL_SECRET_KEY: 'short' });
    expect(bad.code).toBe(78);
    expect(bad.output).toMatch(/REDIS_URL: must be a redis:\/\//);
    expect(bad.output).toMatch(/VIGIL_SECRET_KEY: must be at least 32 characters/);
    expect(bad.output).not.toContain('postgres://');

    const agent = await runToCompletion('dist/apps/agent/src/main.js', {});
    expect(agent.code).toBe(78);
    expect(agent.output).toContain('VIGIL_API_URL');
  });

  it('migrates with `npm run migrate`, idempotently', async () => {
    const first = await runToCompletion('dist/tools/migrate.js', { DATABASE_URL: database.url });
    expect(first.code).toBe(0);
    expect(first.output).toMatch(/applied IamSpine/);
    const second = await runToCompletion('dist/tools/migrate.js', { DATABASE_URL: database.url });
    expect(second.code).toBe(0);
    expect(second.output).toContain('migrations: up to date');
  });

  it('starts the API and the worker, serves requests, and logs them without secrets', async () => {
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      VIGIL_SECRET_KEY: 'e2e-secret-key-0123456789abcdef0123456789',
      VIGIL_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'info',
    };
    worker = startProcess('dist/apps/worker/src/main.js', { ...env, WORKER_HEALTH_PORT: String(workerPort) });
    api = startProcess('dist/apps/api/src/main.js', { ...env, PORT: String(apiPort) });
    await waitForOk(`http://127.0.0.1:${apiPort}/readyz`, api);
    await waitForOk(`http://127.0.0.1:${workerPort}/readyz`, worker);

    const base = `http://127.0.0.1:${apiPort}`;
    const json = { 'content-type': 'application/json' };
    const org = (await (await fetch(`${base}/v1/orgs`, { method: 'POST', headers: { ...json, authorization: `Bearer ${ADMIN_TOKEN}` }, body: JSON.stringify({ name: 'e2e' }) })).json()) as any;
    const admin = { ...json, authorization: `Bearer ${ADMIN_TOKEN}`, 'vigil-org-id': org.id };
    const identity = (await (await fetch(`${base}/v1/identities`, { method: 'POST', headers: admin, body: JSON.stringify({ groupId: org.rootGroupId, name: 'ci', kind: 'service' }) })).json()) as any;
    await fetch(`${base}/v1/role-bindings`, { method: 'POST', headers: admin, body: JSON.stringify({ identityId: identity.id, groupId: org.rootGroupId, role: 'viewer' }) });
    const issued = (await (await fetch(`${base}/v1/identities/${identity.id}/tokens`, { method: 'POST', headers: admin, body: '{}' })).json()) as any;
    const groups = await fetch(`${base}/v1/groups`, { headers: { authorization: `Bearer ${issued.token}`, 'x-request-id': 'e2e-correlation-1' } });
    expect(groups.status).toBe(200);

    await new Promise((r) => setTimeout(r, 300)); // let pino flush
    const logs = api.output();
    const lines = logs.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const request = lines.find((l) => l.req?.id === 'e2e-correlation-1');
    expect(request).toEqual(expect.objectContaining({ orgId: org.id, res: expect.objectContaining({ statusCode: 200 }) }));
    expect(logs).not.toContain(ADMIN_TOKEN);
    expect(logs).not.toContain(issued.token);
    expect(logs).not.toContain(env.VIGIL_SECRET_KEY);
  });
});
