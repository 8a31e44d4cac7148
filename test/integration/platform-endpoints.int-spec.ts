import { ApiHarness, TEST_ADMIN_TOKEN } from '../support/api-harness';

describe('platform endpoints: health, readiness, metrics, OpenAPI, errors', () => {
  let api: ApiHarness;

  beforeAll(async () => {
    api = await ApiHarness.start();
  });
  afterAll(() => api.stop());

  it('answers liveness and readiness with Postgres and Redis checked', async () => {
    expect((await api.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await api.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ postgres: 'ok', redis: 'ok' });
  });

  it('exposes Prometheus metrics with HTTP request duration histograms by route', async () => {
    await api.request('GET', '/v1/groups', { token: TEST_ADMIN_TOKEN, headers: { 'vigil-org-id': '00000000-0000-4000-8000-000000000000' } });
    const metrics = await api.request('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/v1\/groups"[^}]*status_code="404"/);
    expect(metrics.body).toMatch(/process_cpu_seconds_total/);
  });

  it('serves the OpenAPI document and the docs page', async () => {
    const doc = await api.request('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    for (const path of ['/v1/orgs', '/v1/groups', '/v1/groups/{id}', '/v1/identities', '/v1/identities/{id}/tokens', '/v1/tokens/{id}', '/v1/role-bindings', '/v1/audit']) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    const docs = await api.request('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toMatch(/swagger/i);
  });

  it('echoes or makes up a correlation id', async () => {
    const given = await api.request('GET', '/healthz', { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc-123');
    const made = await api.request('GET', '/healthz');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes and oversized bodies in the error shape', async () => {
    const missing = await api.request('GET', '/v1/nope', { token: TEST_ADMIN_TOKEN });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ statusCode: 404, error: 'Not Found', message: expect.any(String) });
    const huge = await api.request('POST', '/v1/orgs', { token: TEST_ADMIN_TOKEN, rawBody: JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024) }) });
    expect(huge.status).toBe(413);
    expect(huge.body).toEqual({ statusCode: 413, error: 'Payload Too Large', message: 'request body is too large' });
  });
});
