// An agent served by the SDK, called by the worker's own agent runtime and by raw HTTP: it registers
// with a real Catalynx web, heartbeats, answers health checks, maps handler outcomes onto the
// worker's permanent/retryable rule, refuses bad input without running anything, deduplicates
// attempts by Idempotency-Key, and drains on close().

import { createCatalynxClient } from '../../src/client';
import { defineAgent, PermanentError, RegistrationError, RetryableError, serveAgent, type ServedAgent } from '../../src/agent-sdk';
import type { Agent } from '../../src/modules/agents/agent';
import { AgentCallError } from '../../src/modules/agents/agent-errors';
import { createAgentRuntime, type AgentRuntime } from '../../src/modules/agents/agent-runtime';
import { startInProcessWeb, TEST_ADMIN_KEY, type InProcessWeb } from '../support/in-process';
import { createTestDatabase, type TestDatabase } from '../support/services';
import { waitUntil } from '../support/wait';

/** A promise the test resolves when it wants a handler to finish. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const calls: Record<string, number> = {};
const aborts: string[] = [];
let slowGate = gate();

const testAgent = defineAgent({
  id: 'sdk-test',
  name: 'SDK test agent',
  capabilities: ['testing'],
  actions: {
    echo: (input, ctx) => ({ input, attempt: ctx.attempt, correlation_id: ctx.correlationId, key: ctx.idempotencyKey }),
    async slow(input) {
      calls.slow = (calls.slow ?? 0) + 1;
      await slowGate.opened;
      return { done: input };
    },
    reject: () => {
      throw new PermanentError('this input will never work', 'bad_input');
    },
    boom: () => {
      throw new Error('unexpected');
    },
    later: () => {
      calls.later = (calls.later ?? 0) + 1;
      throw new RetryableError('dependency down');
    },
    hang: (_input, ctx) =>
      new Promise((_resolve, reject) =>
        ctx.signal.addEventListener('abort', () => {
          aborts.push(ctx.taskId);
          reject(ctx.signal.reason);
        }),
      ),
  },
});

const body = (taskId: string, action: string, input: unknown = {}) => JSON.stringify({ task_id: taskId, agent_id: 'sdk-test', action, input, attempt: 1 });

describe('an agent served with the SDK', () => {
  let db: TestDatabase;
  let web: InProcessWeb;
  let served: ServedAgent;
  let runtime: AgentRuntime;
  let agent: Agent;
  const post = (payload: string, headers: Record<string, string> = {}, signal?: AbortSignal) =>
    fetch(served.endpoint, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload, signal });

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await (await db.open()).close();
    web = await startInProcessWeb({ DATABASE_URL: db.url, RATE_LIMIT_REQUESTS: '100000' });
    served = await serveAgent(testAgent, { port: 0, host: '127.0.0.1', catalynxUrl: web.url, apiKey: TEST_ADMIN_KEY, heartbeatIntervalMs: 100, maxBodyBytes: 10_000 });
    runtime = createAgentRuntime({ builtins: new Map(), logger: web.platform.logger });
    agent = await web.services.tasks!.registry.get('sdk-test');
  });
  afterAll(async () => {
    slowGate.open();
    await served?.close();
    await web?.stop();
    await db?.cleanup();
  });

  it('registers itself with its endpoint and health check URL, and sends heartbeats', async () => {
    expect(agent).toMatchObject({ id: 'sdk-test', runtime: 'http', endpoint: served.endpoint, health_check_url: served.healthUrl, capabilities: ['testing'] });
    const client = createCatalynxClient({ baseUrl: web.url, apiKey: TEST_ADMIN_KEY });
    const seen = await waitUntil(async () => {
      const view = await client.agents.get('sdk-test');
      return view.last_heartbeat_at !== null && view.status === 'healthy' ? view : undefined;
    }, { what: 'a heartbeat' });
    expect(seen.health_message).toBe('heartbeat received');
  });

  it("answers the scheduler's health check", async () => {
    await expect(runtime.ping(agent, AbortSignal.timeout(2_000))).resolves.toEqual({ healthy: true, message: 'health check answered 200' });
  });

  it("answers the worker's request with the result, seeing its Idempotency-Key and correlation id", async () => {
    const result = await runtime.execute(agent, { id: 'task-echo', agent_id: 'sdk-test', action: 'echo', input: { a: 1 }, attempts: 2, correlation_id: 'corr-1' }, new AbortController());
    expect(result).toEqual({ input: { a: 1 }, attempt: 2, correlation_id: 'corr-1', key: 'task-echo' });
  });

  it('maps handler failures onto the worker rule: PermanentError fails for good, other errors are retried', async () => {
    const run = (id: string, action: string) =>
      runtime.execute(agent, { id, agent_id: 'sdk-test', action, input: {}, attempts: 1, correlation_id: null }, new AbortController()).catch((e: unknown) => e);
    const permanent = await run('task-reject', 'reject');
    expect(permanent).toBeInstanceOf(AgentCallError);
    expect(permanent).toMatchObject({ retryable: false, details: { status: 422 } });
    expect((permanent as Error).message).toContain('this input will never work');
    expect(await run('task-boom', 'boom')).toMatchObject({ retryable: true, details: { status: 500 } });
    expect(await run('task-later', 'later')).toMatchObject({ retryable: true, details: { status: 503 } });
  });

  it('refuses bad input with a clear 4xx and runs nothing', async () => {
    const before = { ...calls };
    const malformed = await post('{"task_id": ');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'invalid_json' } });

    const unknown = await post(body('t-unknown', 'fly'));
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'unknown_action', message: expect.stringContaining('echo, slow') });

    const missing = await post(JSON.stringify({ action: 'slow' }));
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { code: 'invalid_request', message: expect.stringContaining('task_id must be a non-empty string') } });

    const oversized = await post(body('t-big', 'slow', 'x'.repeat(20_000)));
    expect(oversized.status).toBe(413);
    expect(await oversized.json()).toMatchObject({ error: { code: 'payload_too_large' } });

    expect((await post('hello', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await fetch(served.endpoint)).status).toBe(405);
    expect((await fetch(`${served.url}/elsewhere`)).status).toBe(404);
    expect(calls).toEqual(before);
  });

  it('runs concurrent and repeated attempts with one Idempotency-Key once, replaying the answer', async () => {
    slowGate = gate();
    calls.slow = 0;
    const first = post(body('t-dup', 'slow', 1), { 'idempotency-key': 't-dup' });
    await waitUntil(() => calls.slow === 1, { what: 'the first attempt to start' });
    const second = post(body('t-dup', 'slow', 1), { 'idempotency-key': 't-dup' });
    slowGate.open();
    const [a, b] = await Promise.all([first, second]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await a.json()).toEqual({ done: 1 });
    expect(await b.json()).toEqual({ done: 1 });
    const third = await post(body('t-dup', 'slow', 1), { 'idempotency-key': 't-dup' });
    expect(third.headers.get('idempotent-replayed')).toBe('true');
    expect(await third.json()).toEqual({ done: 1 });
    expect(calls.slow).toBe(1);

    // Another task runs; a retryable answer is not kept, so its retry runs again.
    await post(body('t-other', 'slow', 2), { 'idempotency-key': 't-other' });
    expect(calls.slow).toBe(2);
    calls.later = 0;
    await post(body('t-later', 'later'), { 'idempotency-key': 't-later' });
    await post(body('t-later', 'later'), { 'idempotency-key': 't-later' });
    expect(calls.later).toBe(2);
  });

  it("aborts the handler's signal when the worker gives up (its timeout closes the connection)", async () => {
    await expect(post(body('t-hang', 'hang'), {}, AbortSignal.timeout(200))).rejects.toThrow();
    await waitUntil(() => aborts.includes('t-hang'), { what: 'the handler to see the abort' });
  });

  it('answers 504 (retried) past its own per-attempt timeout', async () => {
    const quick = await serveAgent(testAgent, { port: 0, host: '127.0.0.1', catalynxUrl: web.url, apiKey: TEST_ADMIN_KEY, timeoutMs: 100 });
    try {
      const res = await fetch(quick.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body('t-timeout', 'hang') });
      expect(res.status).toBe(504);
      expect(await res.json()).toMatchObject({ error: { code: 'timeout' } });
    } finally {
      await quick.close();
    }
  });

  it('fails to start with RegistrationError when Catalynx refuses its key', async () => {
    const err = await serveAgent(testAgent, { port: 0, host: '127.0.0.1', catalynxUrl: web.url, apiKey: 'wrong-key-0123456789' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistrationError);
    expect((err as Error).message).toMatch(/cannot register agent "sdk-test".*401|API key/i);
  });

  it('close() lets a running attempt finish, refuses new ones, and is idempotent', async () => {
    const draining = await serveAgent(testAgent, { port: 0, host: '127.0.0.1', catalynxUrl: web.url, apiKey: TEST_ADMIN_KEY, shutdownTimeoutMs: 10_000 });
    slowGate = gate();
    calls.slow = 0;
    const running = fetch(draining.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body('t-drain', 'slow', 3) });
    await waitUntil(() => calls.slow === 1, { what: 'the attempt to start' });
    const closed = draining.close();
    expect(draining.close()).toBe(closed);
    // New connections are refused once the server stops listening.
    await expect(fetch(draining.healthUrl)).rejects.toThrow();
    slowGate.open();
    const res = await running;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: 3 });
    await closed;
    expect(draining.running).toBe(0);
  });
});
