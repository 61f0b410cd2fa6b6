// The typed client over real HTTP: error answers become CatalynxApiError with the API's code, a 429
// is retried after its Retry-After a bounded number of times, no answer is a CatalynxNetworkError;
// and against a real web + worker it runs tasks, sagas, profiles with If-Match, flags and keys.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CatalynxApiError, CatalynxNetworkError, ClientOptionsError, createCatalynxClient, type WorkflowEvent } from '../../src/client';
import { startInProcessStack, TEST_ADMIN_KEY, type InProcessStack } from '../support/in-process';
import { createTestDatabase, type TestDatabase } from '../support/services';

type Script = (req: IncomingMessage, res: ServerResponse) => void;

/** A real server on a port that answers as the running test scripts it, counting requests. */
async function startScriptedServer(): Promise<{ url: string; requests: IncomingMessage[]; script(fn: Script): void; close(): Promise<void> }> {
  let current: Script = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    current(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    script: (fn) => {
      current = fn;
      requests.length = 0;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** The URL of a port nothing listens on (a server's, just closed). */
async function freePortUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

describe('client error handling against a real HTTP server', () => {
  let server: Awaited<ReturnType<typeof startScriptedServer>>;
  const sleeps: number[] = [];
  const client = () => createCatalynxClient({ baseUrl: server.url, apiKey: 'k', sleep: async (ms) => void sleeps.push(ms), timeoutMs: 2_000 });

  beforeAll(async () => {
    server = await startScriptedServer();
  });
  beforeEach(() => (sleeps.length = 0));
  afterAll(async () => server?.close());

  it("types an error answer from its {error: {code, message, details}} body and sends the key", async () => {
    server.script((_req, res) => json(res, 404, { error: { code: 'not_found', message: 'task x not found', details: { id: 'x' } } }));
    const err = await client().tasks.get('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CatalynxApiError);
    expect(err).toMatchObject({ status: 404, code: 'not_found', message: 'task x not found', details: { id: 'x' }, request: { method: 'GET', path: '/api/tasks/x' } });
    expect(server.requests[0].headers.authorization).toBe('Bearer k');
  });

  it('an error answer that is not JSON keeps its status and text; a 2xx that is not JSON is a bad_response', async () => {
    server.script((_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'));
    await expect(client().agents.list()).rejects.toMatchObject({ status: 502, code: 'http_502', message: '<h1>Bad gateway</h1>' });
    server.script((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'));
    await expect(client().agents.list()).rejects.toMatchObject({ status: 200, code: 'bad_response' });
  });

  it('retries a 429 after its Retry-After, then succeeds', async () => {
    server.script((_req, res) => {
      if (server.requests.length <= 2) json(res, 429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '2' });
      else json(res, 202, { task_id: 't1', status: 'queued' });
    });
    await expect(client().tasks.execute('echo', { action: 'echo' })).resolves.toEqual({ task_id: 't1', status: 'queued' });
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toEqual([2000, 2000]);
  });

  it('gives up after a bounded number of 429s, and at once when Retry-After is longer than it waits', async () => {
    server.script((_req, res) => json(res, 429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '1' }));
    const err = await createCatalynxClient({ baseUrl: server.url, sleep: async (ms) => void sleeps.push(ms), maxRateLimitRetries: 2 })
      .agents.list()
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, code: 'rate_limited', retryAfterSeconds: 1 });
    expect(server.requests).toHaveLength(3);

    server.script((_req, res) => json(res, 429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'retry-after': '3600' }));
    sleeps.length = 0;
    await expect(client().agents.list()).rejects.toMatchObject({ status: 429, retryAfterSeconds: 3600 });
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('no answer is a CatalynxNetworkError, not an API error: refused, reset, or too slow', async () => {
    const closedUrl = await freePortUrl();
    const refused = await createCatalynxClient({ baseUrl: closedUrl }).health.live().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CatalynxNetworkError);
    expect((refused as Error).message).toBe(`cannot reach the API at ${closedUrl}: connection refused`);

    server.script((req) => req.socket.destroy());
    await expect(client().agents.list()).rejects.toBeInstanceOf(CatalynxNetworkError);

    server.script(() => undefined); // never answers
    const slow = await createCatalynxClient({ baseUrl: server.url, timeoutMs: 200 }).agents.list().catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(CatalynxNetworkError);
    expect((slow as CatalynxNetworkError).reason).toBe('no answer within 200 ms');
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createCatalynxClient({ baseUrl: 'ftp://x' })).toThrow(ClientOptionsError);
    expect(() => createCatalynxClient({ baseUrl: 'not a url' })).toThrow(/not a valid API URL/);
  });
});

describe('client against a real web + worker', () => {
  let db: TestDatabase;
  let stack: InProcessStack;
  let api: ReturnType<typeof createCatalynxClient>;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await (await db.open()).close();
    stack = await startInProcessStack({ DATABASE_URL: db.url, WORKER_POLL_INTERVAL_MS: '50', RATE_LIMIT_REQUESTS: '100000' });
    api = createCatalynxClient({ baseUrl: stack.url, apiKey: TEST_ADMIN_KEY });
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.cleanup();
  });

  it('executes a task, waits for it with ?wait, and returns the first task for a repeated idempotency key', async () => {
    const accepted = await api.tasks.execute('echo', { action: 'echo', input: { hello: 'world' }, idempotency_key: 'client-1' });
    const task = await api.tasks.waitFor(accepted.task_id, { timeoutMs: 20_000 });
    expect(task).toMatchObject({ id: accepted.task_id, status: 'succeeded', result: { echo: { hello: 'world' } } });
    const again = await api.tasks.execute('echo', { action: 'echo', input: { other: true }, idempotency_key: 'client-1' });
    expect(again.task_id).toBe(accepted.task_id);
  });

  it('executes a batch in request order', async () => {
    const { tasks } = await api.tasks.executeBatch('echo', [{ action: 'echo', input: 1 }, { action: 'echo', input: 2 }]);
    expect(tasks).toHaveLength(2);
    const done = await Promise.all(tasks.map((t) => api.tasks.waitFor(t.task_id, { timeoutMs: 20_000 })));
    expect(done.map((t) => t.result)).toEqual([{ echo: 1 }, { echo: 2 }]);
  });

  it('defines a workflow, starts a run, streams its timeline and waits for it', async () => {
    await api.workflows.define({
      id: 'client-two-steps',
      name: 'Two echoes',
      steps: [
        { id: 'a', agent_id: 'echo', action: 'echo', input: { n: '{{input.n}}' }, timeout_seconds: 30 },
        { id: 'b', agent_id: 'echo', action: 'echo', input: { prev: '{{steps.a.output.echo}}' }, timeout_seconds: 30 },
      ],
    });
    const { run_id } = await api.workflows.start('client-two-steps', { input: { n: 7 } });
    const events: WorkflowEvent[] = [];
    for await (const event of api.runs.timeline(run_id, { timeoutMs: 20_000, pollIntervalMs: 50 })) events.push(event);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['SagaStarted']));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    const run = await api.runs.wait(run_id, { timeoutMs: 5_000 });
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => s.output)).toEqual([{ echo: { n: 7 } }, { echo: { prev: { n: 7 } } }]);
    expect(events.map((e) => e.id)).toEqual(run.timeline.map((e) => e.id));
  });

  it('updates a profile with If-Match: the current version by default, 409 for a stale one', async () => {
    const profile = await api.profiles.create({ name: 'Client test', organization: 'Org', mission: 'Testing the client' });
    const updated = await api.profiles.update(profile.id, { mission: 'Updated once' });
    expect(updated).toMatchObject({ mission: 'Updated once', version: profile.version + 1 });
    const stale = await api.profiles.update(profile.id, { mission: 'Stale' }, { version: profile.version }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(CatalynxApiError);
    expect(stale).toMatchObject({ status: 409 });
    expect((await api.profiles.get(profile.id)).mission).toBe('Updated once');
  });

  it('reads flags, manages keys, and types a refusal without a key', async () => {
    expect(Array.isArray((await api.flags.list()).flags)).toBe(true);
    const created = await api.keys.create({ name: 'client-test', scopes: ['read'] });
    const reader = createCatalynxClient({ baseUrl: stack.url, apiKey: created.key });
    expect((await reader.agents.list()).agents.map((a) => a.id)).toContain('echo');
    await expect(reader.tasks.execute('echo', { action: 'echo' })).rejects.toMatchObject({ status: 403 });
    await api.keys.revoke(created.id);
    await expect(reader.agents.list()).rejects.toMatchObject({ status: 401 });
    await expect(createCatalynxClient({ baseUrl: stack.url }).agents.list()).rejects.toMatchObject({ status: 401, code: expect.any(String) });
    expect((await api.health.get()).overall_status).toBeDefined();
    expect(await api.meta.metrics()).toMatch(/^# HELP/m);
  });
});
