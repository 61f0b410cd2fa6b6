// Services declared in GATEWAY_SERVICES are proxied from start-up; an invalid declaration stops the web process.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../support/services';
import { startInProcessWeb, TEST_ADMIN_KEY, type InProcessWeb } from '../support/in-process';

describe('services from configuration', () => {
  let db: TestDatabase;
  let upstream: Server;
  let upstreamUrl: string;
  let web: InProcessWeb | undefined;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await (await db.open()).close();
    upstream = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, auth: req.headers.authorization ?? null }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await web?.stop();
    web = undefined;
  });
  afterAll(async () => {
    await new Promise((r) => upstream.close(r));
    await db.cleanup();
  });

  it('registers the declared services at start and proxies their prefixes', async () => {
    web = await startInProcessWeb({
      DATABASE_URL: db.url,
      GATEWAY_SERVICES: JSON.stringify([{ name: 'discovery', base_url: upstreamUrl, routes: ['/api/discovery'] }]),
    });
    const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const list = (await (await fetch(`${web.url}/api/services`, { headers: auth })).json()) as { services: { name: string; routes: string[] }[] };
    expect(list.services).toEqual([expect.objectContaining({ name: 'discovery', routes: ['/api/discovery'] })]);
    const proxied = await fetch(`${web.url}/api/discovery/orgs?state=VA`, { headers: auth });
    expect(proxied.status).toBe(200);
    expect(await proxied.json()).toEqual({ path: '/orgs?state=VA', auth: null });
  });

  it('refuses to start on an invalid declaration, naming each problem', async () => {
    await expect(
      startInProcessWeb({
        DATABASE_URL: db.url,
        GATEWAY_SERVICES: JSON.stringify([
          { name: 'Bad Name', base_url: upstreamUrl, routes: ['/api/x'] },
          { name: 'meta', base_url: 'http://169.254.169.254/', routes: ['/api/meta'] },
          { name: 'clash', base_url: upstreamUrl, routes: ['/api/tasks'] },
        ]),
      }),
    ).rejects.toThrow(/GATEWAY_SERVICES is invalid:[\s\S]*\[0\]\.name[\s\S]*\[1\] meta[\s\S]*\[2\] clash: route \/api\/tasks overlaps/);
  });

  it('rejects a value that is not a JSON array as a configuration error', async () => {
    await expect(startInProcessWeb({ DATABASE_URL: db.url, GATEWAY_SERVICES: '{"name": 1}' })).rejects.toThrow(/GATEWAY_SERVICES: expected a JSON array/);
  });
});
