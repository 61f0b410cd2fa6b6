import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessWeb, type InProcessWeb } from '../support/in-process';

describeEachDatabase('web process basics', (kind) => {
  let db: TestDatabase;
  let web: InProcessWeb;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    web = await startInProcessWeb({ DATABASE_URL: db.url, BODY_LIMIT: '2kb' });
  });
  afterAll(async () => {
    await web?.stop();
    await db?.cleanup();
  });

  it('serves GET /health as the seed SystemHealth, 200 when healthy', async () => {
    const res = await fetch(`${web.url}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ overall_status: 'healthy', version: expect.any(String), uptime_seconds: expect.any(Number) });
    const components = body.components as { name: string; status: string; response_time_ms: number }[];
    expect(components.find((c) => c.name === 'database')).toMatchObject({ status: 'healthy' });
    for (const c of components) expect(c.response_time_ms).toBeGreaterThanOrEqual(0);
  });

  it('answers liveness and readiness probes', async () => {
    expect((await fetch(`${web.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${web.url}/health/ready`);
    const body = (await ready.json()) as { components: { name: string }[] };
    // The body says which check failed when the status is not 200.
    expect({ status: ready.status, body }).toMatchObject({ status: 200 });
    expect(body.components.map((c) => c.name).sort()).toEqual([
      'database',
      'migrations',
    ]);
  });

  it('echoes a client correlation id and makes one up otherwise', async () => {
    const given = await fetch(`${web.url}/health/live`, { headers: { 'X-Correlation-ID': 'req-123' } });
    expect(given.headers.get('x-correlation-id')).toBe('req-123');
    const made = await fetch(`${web.url}/health/live`);
    expect(made.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await fetch(`${web.url}/health/live`, { headers: { 'X-Correlation-ID': 'a b<script>' } });
    expect(hostile.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends a JSON reply with its type and exact length, and a HEAD request gets the headers without the body', async () => {
    const res = await fetch(`${web.url}/health/live`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(JSON.parse(text)).toEqual(expect.any(Object));
    const head = await fetch(`${web.url}/health/live`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(head.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(await head.text()).toBe('');
  });

  it('answers an unknown route with a JSON 404', async () => {
    const res = await fetch(`${web.url}/no/such/thing`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: 'not_found', message: 'No route for GET /no/such/thing' } });
  });

  it('answers a wrong method with a JSON 405 and an Allow header', async () => {
    const res = await fetch(`${web.url}/health`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
  });

  it('answers malformed JSON with a JSON 400', async () => {
    const res = await fetch(`${web.url}/health`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"broken": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('malformed_json');
  });

  it('answers a body over the limit with a JSON 413', async () => {
    const res = await fetch(`${web.url}/health`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ big: 'x'.repeat(5000) }),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });
});
