// Proxy routes to a REAL upstream HTTP server on 127.0.0.1: registration rules, forwarded and
// stripped headers, bodies, 504 on timeout, 502 on failures, and the per-service circuit breaker.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config';
import { createHealthChecker } from '../../src/modules/health/health-checker';
import { healthRoutes } from '../../src/modules/health/health-routes';
import { wireGateway } from '../../src/modules/gateway/wire-gateway';
import { createApp } from '../../src/platform/http/create-app';
import { listen, type RunningServer } from '../../src/platform/http/http-server';
import { createPlatform, type Platform } from '../../src/processes/platform';
import { startInProcessWeb, TEST_ADMIN_KEY, type InProcessWeb } from '../support/in-process';
import { createTestDatabase, type TestDatabase } from '../support/services';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Upstream {
  url: string;
  seen: Seen[];
  mode: 'ok' | 'fail' | 'slow';
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const state: Upstream = { url: '', seen: [], mode: 'ok', close: async () => undefined };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      state.seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url?.startsWith('/health')) {
        res.writeHead(state.mode === 'ok' ? 200 : 500).end();
        return;
      }
      if (state.mode === 'fail') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('boom');
        return;
      }
      if (state.mode === 'slow') {
        const t = setTimeout(() => res.writeHead(200).end('late'), 2000);
        res.on('close', () => clearTimeout(t));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes', 'keep-alive': 'timeout=99' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

const admin = { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' };

async function register(baseUrl: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${baseUrl}/api/services`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
}

describe('gateway proxy routes', () => {
  let db: TestDatabase;
  let upstream: Upstream;
  let web: InProcessWeb;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await (await db.open()).close();
    upstream = await startUpstream();
    web = await startInProcessWeb({ DATABASE_URL: db.url, PROXY_TIMEOUT_MS: '300' });
  });
  afterAll(async () => {
    await web?.stop();
    await upstream?.close();
    await db?.cleanup();
  });
  beforeEach(() => {
    upstream.mode = 'ok';
    upstream.seen.length = 0;
  });

  it('registers, lists and removes a service (admin only)', async () => {
    const res = await register(web.url, { name: 'echo', base_url: `${upstream.url}/v1`, routes: ['/api/echo'], health_url: `${upstream.url}/health` });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: 'echo', routes: ['/api/echo'], timeout_ms: null });
    const list = (await (await fetch(`${web.url}/api/services`, { headers: admin })).json()) as { services: { name: string }[] };
    expect(list.services.map((s) => s.name)).toEqual(['echo']);
    expect((await register(web.url, { name: 'echo', base_url: upstream.url, routes: ['/api/other'] })).status).toBe(409);
    expect((await register(web.url, { name: 'echo2', base_url: upstream.url, routes: ['/api/echo/sub'] })).status).toBe(409);
    expect((await fetch(`${web.url}/api/services`)).status).toBe(401);
  });

  it('refuses platform prefixes and URLs the outbound policy forbids, with a clear 400', async () => {
    const reserved = await register(web.url, { name: 'sneaky', base_url: upstream.url, routes: ['/api/tasks/x'] });
    expect(reserved.status).toBe(400);
    expect(((await reserved.json()) as { error: { message: string } }).error.message).toMatch(/overlaps the platform's \/api\/tasks/);
    const metadata = await register(web.url, { name: 'meta', base_url: 'http://169.254.169.254/', routes: ['/api/meta'] });
    expect(metadata.status).toBe(400);
    expect(await metadata.json()).toMatchObject({ error: { code: 'outbound_url_refused' } });
    const ftp = await register(web.url, { name: 'ftp', base_url: 'ftp://127.0.0.1/', routes: ['/api/ftp'] });
    expect(ftp.status).toBe(400);
  });

  it('proxies a GET with the query, forwarding the correlation id and not the client key or hop-by-hop headers', async () => {
    const res = await fetch(`${web.url}/api/echo/items/7?q=1`, {
      headers: { ...admin, 'X-Correlation-ID': 'corr-42', 'X-Custom': 'kept', 'X-API-Key': 'cx_secret', 'Proxy-Authorization': 'Basic x' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-upstream')).toBe('yes');
    // The upstream's own keep-alive (timeout=99) is hop-by-hop; the platform's server sets its own.
    expect(res.headers.get('keep-alive')).not.toBe('timeout=99');
    expect(await res.json()).toMatchObject({ method: 'GET', url: '/v1/items/7?q=1' });
    const seen = upstream.seen.at(-1)!;
    expect(seen.headers['x-correlation-id']).toBe('corr-42');
    expect(seen.headers['x-custom']).toBe('kept');
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['x-api-key']).toBeUndefined();
    expect(seen.headers['proxy-authorization']).toBeUndefined();
  });

  it('proxies a POST with its JSON body, and a non-JSON body as is', async () => {
    const json = await fetch(`${web.url}/api/echo/things`, { method: 'POST', headers: admin, body: JSON.stringify({ a: 1, b: [true] }) });
    expect(json.status).toBe(200);
    expect(upstream.seen.at(-1)).toMatchObject({ method: 'POST', url: '/v1/things', body: '{"a":1,"b":[true]}' });
    const text = await fetch(`${web.url}/api/echo/raw`, { method: 'PUT', headers: { Authorization: admin.Authorization, 'Content-Type': 'text/plain' }, body: 'hello upstream' });
    expect(text.status).toBe(200);
    expect(upstream.seen.at(-1)).toMatchObject({ method: 'PUT', body: 'hello upstream' });
    expect(upstream.seen.at(-1)!.headers['content-type']).toBe('text/plain');
  });

  it('asks for read on GET and a write scope on other methods', async () => {
    const create = async (scopes: string[]) =>
      ((await (await fetch(`${web.url}/api/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'p', scopes }) })).json()) as { key: string }).key;
    const reader = await create(['read']);
    const writer = await create(['tasks:write']);
    expect((await fetch(`${web.url}/api/echo/x`, { headers: { 'X-API-Key': reader } })).status).toBe(200);
    expect((await fetch(`${web.url}/api/echo/x`, { method: 'POST', headers: { 'X-API-Key': reader } })).status).toBe(403);
    expect((await fetch(`${web.url}/api/echo/x`, { method: 'POST', headers: { 'X-API-Key': writer } })).status).toBe(200);
    expect((await fetch(`${web.url}/api/echo/x`)).status).toBe(401);
    expect(upstream.seen.length).toBe(2);
  });

  it('answers 504 when the upstream is slower than the timeout, 502 on its 5xx', async () => {
    upstream.mode = 'slow';
    const slow = await fetch(`${web.url}/api/echo/slow`, { headers: admin });
    expect(slow.status).toBe(504);
    expect(await slow.json()).toMatchObject({ error: { code: 'upstream_timeout' } });
    upstream.mode = 'fail';
    const failed = await fetch(`${web.url}/api/echo/x`, { headers: admin });
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({ error: { code: 'bad_gateway' } });
    upstream.mode = 'ok';
    expect((await fetch(`${web.url}/api/echo/x`, { headers: admin })).status).toBe(200);
  });

  it('exposes the breaker state of each proxied service in /metrics, and it opens after repeated failures', async () => {
    const gauge = async (service: string) => {
      const text = await (await fetch(`${web.url}/metrics`)).text();
      return new RegExp(`catalynx_service_circuit_breaker_state\\{service="${service}"\\} (\\d)`).exec(text)?.[1];
    };
    expect((await register(web.url, { name: 'metered', base_url: upstream.url, routes: ['/api/metered'] })).status).toBe(201);
    upstream.mode = 'fail';
    await fetch(`${web.url}/api/metered/x`, { headers: admin });
    expect(await gauge('metered')).toBe('0');
    for (let i = 0; i < 5; i++) await fetch(`${web.url}/api/metered/x`, { headers: admin });
    expect(await gauge('metered')).toBe('2');
    upstream.mode = 'ok';
    expect((await fetch(`${web.url}/api/services/metered`, { method: 'DELETE', headers: admin })).status).toBe(204);
  });

  it('reports the service in /health, degraded while its health URL fails', async () => {
    const health = async () =>
      ((await (await fetch(`${web.url}/health`)).json()) as { components: { name: string; status: string }[] }).components.find((c) => c.name === 'service:echo');
    expect(await health()).toMatchObject({ status: 'healthy' });
    upstream.mode = 'fail';
    expect(await health()).toMatchObject({ status: 'degraded' });
  });

  it('stops proxying a removed service', async () => {
    expect((await fetch(`${web.url}/api/services/echo`, { method: 'DELETE', headers: admin })).status).toBe(204);
    expect((await fetch(`${web.url}/api/echo/x`, { headers: admin })).status).toBe(404);
    expect((await fetch(`${web.url}/api/services/echo`, { method: 'DELETE', headers: admin })).status).toBe(404);
  });
});

describe('gateway proxy circuit breaker', () => {
  let db: TestDatabase;
  let upstream: Upstream;
  let platform: Platform;
  let server: RunningServer;
  let clock = Date.now();
  const health = createHealthChecker({ version: 'test', timeoutMs: 1000 });

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await (await db.open()).close();
    upstream = await startUpstream();
    const config = loadConfig({ LOG_LEVEL: 'error', NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: TEST_ADMIN_KEY, DATABASE_URL: db.url });
    platform = createPlatform('web', config);
    const routes = healthRoutes(health, []);
    // A fake clock: the breaker's recovery timeout passes when the test says so.
    const gateway = wireGateway({ routes, health }, platform, { breaker: { failureThreshold: 3, recoveryTimeoutMs: 30_000 }, now: () => clock });
    await gateway.start();
    const app = createApp({
      logger: platform.logger,
      context: platform.context,
      bodyLimitBytes: 100_000,
      routes,
      isUnavailable: () => false,
      guard: gateway.guard,
      extraHandlers: gateway.extraHandlers,
    });
    server = await listen(app, config.http);
  });
  afterAll(async () => {
    await server?.close(100);
    await platform?.shutdown.run('test finished');
    await upstream?.close();
    await db?.cleanup();
  });

  it('opens after consecutive failures (then 503 with Retry-After, upstream untouched), and a success after recovery closes it', async () => {
    expect((await register(server.url, { name: 'flaky', base_url: upstream.url, routes: ['/api/flaky'] })).status).toBe(201);
    upstream.mode = 'fail';
    for (let i = 0; i < 3; i++) expect((await fetch(`${server.url}/api/flaky/x`, { headers: admin })).status).toBe(502);
    const calls = upstream.seen.length;
    const open = await fetch(`${server.url}/api/flaky/x`, { headers: admin });
    expect(open.status).toBe(503);
    expect(Number(open.headers.get('retry-after'))).toBe(30);
    expect(await open.json()).toMatchObject({ error: { code: 'upstream_unavailable' } });
    expect(upstream.seen.length).toBe(calls);
    const report = await health.check();
    expect(report.components.find((c) => c.name === 'service:flaky')).toMatchObject({ status: 'degraded' });
    expect(report.overall_status).toBe('degraded');

    upstream.mode = 'ok';
    clock += 30_001;
    expect((await fetch(`${server.url}/api/flaky/x`, { headers: admin })).status).toBe(200);
    expect((await fetch(`${server.url}/api/flaky/y`, { headers: admin })).status).toBe(200);
    expect((await health.check()).components.find((c) => c.name === 'service:flaky')).toMatchObject({ status: 'healthy' });
  });
});
