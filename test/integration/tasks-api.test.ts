// Agents and durable tasks through the REST API, with the worker and scheduler running, on each database.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessStack, type InProcessStack } from '../support/in-process';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { waitUntil } from '../support/wait';

describeEachDatabase('agents and tasks', (kind) => {
  let db: TestDatabase;
  let stack: InProcessStack;
  let agent: FakeAgent;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    agent = await startFakeAgent();
    stack = await startInProcessStack({
      DATABASE_URL: db.url,
      WORKER_POLL_INTERVAL_MS: '100',
      TASK_RETRY_BASE_MS: '20',
      TASK_RETRY_MAX_MS: '100',
      TASK_LEASE_SECONDS: '2',
      LEASE_REAPER_INTERVAL: '1s',
      AGENT_FLAKY_CIRCUIT_FAILURE_THRESHOLD: '3',
      AGENT_FLAKY_CIRCUIT_RECOVERY_TIMEOUT_SECONDS: '1',
      AGENT_FLAKY_MAX_ATTEMPTS: '3',
      AGENT_HEALTH_CHECK_INTERVAL: '1s',
      RATE_LIMIT_REQUESTS: '100000',
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await agent?.close();
    await db?.cleanup();
  });

  const countTasks = async () => Number((await stack.api('/api/tasks?limit=1')).body.total);

  it('registers the builtin echo agent and runs a task end to end', async () => {
    const list = await stack.api('/api/agents?capability=echo');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total_count: 1, healthy_count: 1 });
    expect(list.body.agents[0]).toMatchObject({ id: 'echo', runtime: 'builtin', circuit_breaker: { state: 'closed' } });

    const submit = await stack.api('/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', input: { hello: 'world' } } });
    expect(submit.status).toBe(202);
    expect(submit.body).toEqual({ task_id: expect.any(String), status: 'queued' });
    const done = await stack.api(`/api/tasks/${submit.body.task_id}?wait=10`);
    expect(done.body).toMatchObject({ status: 'succeeded', attempts: 1, result: { echo: { hello: 'world' } }, last_error: null });
    expect(done.body.correlation_id).toBe(submit.headers.get('x-correlation-id'));
    expect(done.body.attempts_log).toHaveLength(1);
  });

  it('queues a batch of tasks at once, in order, honouring idempotency keys, and runs them all', async () => {
    const before = await countTasks();
    const tasks = Array.from({ length: 40 }, (_, i) => ({ action: 'echo', input: { n: i }, ...(i === 39 ? { idempotency_key: 'batch-first' } : {}) }));
    const first = await stack.api('/api/agents/echo/execute-batch', { method: 'POST', json: { tasks } });
    expect(first.status).toBe(202);
    expect(first.body.tasks).toHaveLength(40);
    expect(first.body.tasks.every((t: { created: boolean; status: string }) => t.created && t.status === 'queued')).toBe(true);
    // A repeated key inside and across batches names the task first queued with it.
    const again = await stack.api('/api/agents/echo/execute-batch', {
      method: 'POST',
      json: { tasks: [{ action: 'echo', idempotency_key: 'batch-first' }, { action: 'echo', input: 'new' }, { action: 'echo', idempotency_key: 'batch-first' }] },
    });
    expect(again.status).toBe(202);
    expect(again.body.tasks.map((t: { task_id: string; created: boolean }) => [t.task_id === first.body.tasks[39].task_id, t.created])).toEqual([
      [true, false],
      [false, true],
      [true, false],
    ]);
    expect(await countTasks()).toBe(before + 41);
    const last = await stack.api(`/api/tasks/${first.body.tasks[0].task_id}?wait=10`);
    expect(last.body).toMatchObject({ status: 'succeeded', result: { echo: { n: 0 } } });
    await waitUntil(async () => {
      const page = await stack.api('/api/tasks?agent_id=echo&status=queued&limit=1');
      return page.body.total === 0;
    }, { timeoutMs: 15_000, what: 'the batch to drain' });
  });

  it('refuses a bad batch whole: nothing is queued', async () => {
    const before = await countTasks();
    for (const body of [
      { tasks: [] },
      { tasks: [{ action: 'echo' }, { action: '' }] },
      { tasks: Array.from({ length: 1001 }, () => ({ action: 'echo' })) },
      { tasks: [{ action: 'echo', surprise: true }] },
      { task: [{ action: 'echo' }] },
      { tasks: [{ action: 'echo' }, { action: 'echo', idempotency_key: 'workflow:run:step' }] },
    ]) {
      const res = await stack.api('/api/agents/echo/execute-batch', { method: 'POST', json: body });
      expect(res.status).toBe(400);
    }
    expect((await stack.api('/api/agents/nobody/execute-batch', { method: 'POST', json: { tasks: [{ action: 'x' }] } })).status).toBe(404);
    expect(await countTasks()).toBe(before);
  });

  it('returns the first task for a repeated idempotency key (body or header)', async () => {
    const first = await stack.api('/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', input: 1, idempotency_key: 'order-42' } });
    const second = await stack.api('/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', input: 2, idempotency_key: 'order-42' } });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body.task_id).toBe(first.body.task_id);
    const viaHeader = await stack.api('/api/agents/echo/execute', { method: 'POST', json: { action: 'echo' }, headers: { 'Idempotency-Key': 'order-42' } });
    expect(viaHeader.body.task_id).toBe(first.body.task_id);
    const concurrent = await Promise.all(
      Array.from({ length: 10 }, () => stack.api('/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', idempotency_key: 'race-1' } })),
    );
    expect(new Set(concurrent.map((r) => r.body.task_id)).size).toBe(1);
    expect(concurrent.filter((r) => r.status === 202)).toHaveLength(1);
  });

  it('refuses bad input with a JSON 4xx and stores nothing', async () => {
    const before = await countTasks();
    const cases: [string, RequestInit & { json?: unknown }, number][] = [
      ['/api/agents/nobody/execute', { method: 'POST', json: { action: 'x' } }, 404],
      ['/api/agents/echo/execute', { method: 'POST', json: { input: 1 } }, 400],
      ['/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', surprise: true } }, 400],
      ['/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', priority: 'high' } }, 400],
      ['/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', max_attempts: 0 } }, 400],
      ['/api/agents/echo/execute', { method: 'POST', json: [1, 2] }, 400],
      // Keys of this form name workflow steps' tasks, which only a run queues.
      ['/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', idempotency_key: 'workflow:0190-run:step' } }, 400],
      ['/api/agents/echo/execute', { method: 'POST', json: { action: 'echo' }, headers: { 'Idempotency-Key': 'workflow:0190-run:step' } }, 400],
      ['/api/agents/echo/execute', { method: 'POST', body: '{"action":', headers: { 'content-type': 'application/json' } }, 400],
      ['/api/agents/echo/execute', { method: 'POST', body: 'action=echo', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415],
    ];
    for (const [path, init, status] of cases) {
      const res = await stack.api(path, init);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
    expect(await countTasks()).toBe(before);
    expect((await stack.api('/api/tasks/not-a-uuid')).status).toBe(400);
    expect((await stack.api('/api/tasks/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await stack.api('/api/tasks?status=lost')).status).toBe(400);
  });

  it('refuses a NUL character anywhere in a request (a value, a key, an array, the query) with a 400 naming where', async () => {
    const before = await countTasks();
    const cases: [string, unknown, string][] = [
      ['/api/agents/echo/execute', { action: 'echo', input: { deep: { list: ['ok', 'bad\u0000'] } } }, 'body.input.deep.list.1'],
      ['/api/agents/echo/execute', { action: 'echo', input: { 'key\u0000': 1 } }, 'body.input.key\u0000'],
      ['/api/agents/echo/execute?note=a%00b', { action: 'echo' }, 'query.note'],
    ];
    for (const [path, json, at] of cases) {
      const res = await stack.api(path, { method: 'POST', json });
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({ path, status: 400, code: 'invalid_characters' });
      expect(res.body.error.message).toContain(`(at ${at})`);
    }
    // Without one, the same kinds of request go through.
    expect((await stack.api('/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', input: { deep: { list: ['ok', 'fine'] } } } })).status).toBe(202);
    expect(await countTasks()).toBe(before + 1);
  });

  it('registers a remote agent (201, then 200 on update) and rejects an invalid one with every problem listed', async () => {
    const config = { id: 'flaky', name: 'Flaky', capabilities: ['analysis'], endpoint: agent.endpoint, version: '1.0.0', health_check_url: agent.healthUrl, metadata: { team: 'data', note: 'ünï€ 你好' } };
    expect((await stack.api('/api/agents', { method: 'POST', json: config })).status).toBe(201);
    const updated = await stack.api('/api/agents', { method: 'POST', json: { ...config, version: '1.1.0' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: 'flaky', version: '1.1.0', runtime: 'http', circuit_breaker: { state: 'closed', failure_count: 0 } });
    // Multi-byte characters come back whole: the reply's length is counted in bytes.
    expect(updated.body.metadata).toEqual({ team: 'data', note: 'ünï€ 你好' });
    expect(Number(updated.headers.get('content-length'))).toBe(Buffer.byteLength(JSON.stringify(updated.body)));
    const bad = await stack.api('/api/agents', { method: 'POST', json: { id: 'Bad Id!', name: '', endpoint: 'ftp://x', version: '' } });
    expect(bad.status).toBe(400);
    const paths = bad.body.error.details.problems.map((p: { path: string }) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['body.id', 'body.name', 'body.endpoint', 'body.version']));
    expect((await stack.api('/api/agents?capability=analysis')).body.total_count).toBe(1);
  });

  it('refuses agent endpoints and health checks that point at internal addresses (SSRF), storing nothing', async () => {
    const base = { name: 'Sneaky', capabilities: [], version: '1', metadata: {} };
    for (const [id, endpoint, health] of [
      ['metadata-svc', 'http://169.254.169.254/latest/meta-data', ''],
      ['private-net', 'http://10.0.0.1/run', ''],
      ['private-health', agent.endpoint, 'http://192.168.1.10/health'],
    ]) {
      const res = await stack.api('/api/agents', { method: 'POST', json: { ...base, id, endpoint, health_check_url: health } });
      expect({ id, status: res.status }).toEqual({ id, status: 400 });
      expect(res.body.error.message).toMatch(/not allowed|private|internal|refused/i);
      expect((await stack.api(`/api/agents/${id}`)).status).toBe(404);
    }
  });

  it('sends a remote agent the task with correlation and idempotency headers', async () => {
    agent.behave(() => ({ kind: 'ok', result: { score: 7 } }));
    const submit = await stack.api('/api/agents/flaky/execute', { method: 'POST', json: { action: 'score', input: { ein: '012345678' } }, headers: { 'X-Correlation-ID': 'corr-77' } });
    const done = await stack.api(`/api/tasks/${submit.body.task_id}?wait=10`);
    expect(done.body).toMatchObject({ status: 'succeeded', result: { score: 7 } });
    const call = agent.calls.find((c) => c.task_id === submit.body.task_id)!;
    expect(call).toMatchObject({ agent_id: 'flaky', action: 'score', input: { ein: '012345678' }, attempt: 1 });
    expect(call.headers['x-correlation-id']).toBe('corr-77');
    expect(call.headers['idempotency-key']).toBe(submit.body.task_id);
  });

  it('fails a 4xx at once (no retry) and retries a 5xx with growing delays until failed', async () => {
    agent.behave((c) => (c.action === 'bad' ? { kind: 'status', status: 422 } : { kind: 'status', status: 503 }));
    const bad = await stack.api('/api/agents/flaky/execute', { method: 'POST', json: { action: 'bad' } });
    const badDone = await stack.api(`/api/tasks/${bad.body.task_id}?wait=10`);
    expect(badDone.body).toMatchObject({ status: 'failed', attempts: 1 });
    expect(badDone.body.last_error).toMatch(/422/);

    const flaky = await stack.api('/api/agents/flaky/execute', { method: 'POST', json: { action: 'down' } });
    const flakyDone = await stack.api(`/api/tasks/${flaky.body.task_id}?wait=20`);
    expect(flakyDone.body).toMatchObject({ status: 'failed', attempts: 3 });
    expect(flakyDone.body.last_error).toMatch(/503/);
    const times = agent.calls.filter((c) => c.task_id === flaky.body.task_id).map((c) => c.at);
    expect(times).toHaveLength(3);
    // Dead-letter list
    const dead = await stack.api('/api/tasks?status=failed&agent_id=flaky');
    expect(dead.body.tasks.map((t: { id: string }) => t.id)).toContain(flaky.body.task_id);
  });

  it('opens the breaker after repeated failures (health degraded), holds tasks without burning attempts, and closes when the agent recovers', async () => {
    // The previous test's 503s already counted three consecutive failures: the breaker is open.
    const view = await waitUntil(async () => {
      const v = (await stack.api('/api/agents/flaky')).body;
      return v.circuit_breaker.state !== 'closed' ? v : undefined;
    }, { what: 'breaker open' });
    expect(view.circuit_breaker.state).toMatch(/open|half_open/);
    const health = await stack.api('/health');
    expect(health.status).toBe(200);
    expect(health.body.overall_status).toBe('degraded');
    expect(health.body.components.find((c: { name: string }) => c.name === 'agents')).toMatchObject({ status: 'degraded' });

    agent.behave(() => ({ kind: 'ok' }));
    const held = await stack.api('/api/agents/flaky/execute', { method: 'POST', json: { action: 'after-recovery' } });
    const done = await stack.api(`/api/tasks/${held.body.task_id}?wait=20`);
    expect(done.body).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect((await stack.api('/api/agents/flaky')).body.circuit_breaker.state).toBe('closed');
    await waitUntil(async () => (await stack.api('/health')).body.overall_status === 'healthy', { what: 'healthy again' });
  });

  it('marks an agent unhealthy when its health check fails, and healthy again when it answers', async () => {
    agent.setHealthy(false);
    await waitUntil(async () => (await stack.api('/api/agents/flaky')).body.status === 'unhealthy', { what: 'unhealthy', timeoutMs: 8000 });
    expect((await stack.api('/api/agents?status=healthy')).body.agents.map((a: { id: string }) => a.id)).not.toContain('flaky');
    agent.setHealthy(true);
    await waitUntil(async () => (await stack.api('/api/agents/flaky')).body.status === 'healthy', { what: 'healthy', timeoutMs: 8000 });
  });

  it('cancels a queued task at once, refuses to cancel a finished one, and retries a failed one', async () => {
    const delayed = await stack.api('/api/agents/echo/execute', { method: 'POST', json: { action: 'echo', delay_seconds: 3600 } });
    const cancelled = await stack.api(`/api/tasks/${delayed.body.task_id}/cancel`, { method: 'POST' });
    expect(cancelled.body).toMatchObject({ status: 'cancelled' });
    expect((await stack.api(`/api/tasks/${delayed.body.task_id}/cancel`, { method: 'POST' })).status).toBe(409);

    agent.behave(() => ({ kind: 'status', status: 400 }));
    const failing = await stack.api('/api/agents/flaky/execute', { method: 'POST', json: { action: 'x' } });
    expect((await stack.api(`/api/tasks/${failing.body.task_id}?wait=10`)).body.status).toBe('failed');
    agent.behave(() => ({ kind: 'ok' }));
    const retried = await stack.api(`/api/tasks/${failing.body.task_id}/retry`, { method: 'POST' });
    expect(retried.body).toMatchObject({ status: 'queued', attempts: 1, max_attempts: 4 });
    expect((await stack.api(`/api/tasks/${failing.body.task_id}?wait=10`)).body.status).toBe('succeeded');
    expect((await stack.api(`/api/tasks/${failing.body.task_id}/retry`, { method: 'POST' })).status).toBe(409);
  });

  it('tells a running task to stop when cancelled', async () => {
    const slow = await stack.api('/api/agents/echo/execute', { method: 'POST', json: { action: 'sleep', input: { ms: 30000 } } });
    await waitUntil(async () => (await stack.api(`/api/tasks/${slow.body.task_id}`)).body.status === 'running', { what: 'running' });
    const res = await stack.api(`/api/tasks/${slow.body.task_id}/cancel`, { method: 'POST' });
    expect(res.body.cancel_requested).toBe(true);
    const done = await stack.api(`/api/tasks/${slow.body.task_id}?wait=10`);
    expect(done.body.status).toBe('cancelled');
  });

  it('keeps the lease of tasks that run longer than the lease, renewing them together', async () => {
    // Two attempts outlive the 2 s lease; the worker renews both leases in its periodic round, so
    // the reaper never hands them out again: one attempt each, no second run.
    const slow = await Promise.all(
      [0, 1].map(() => stack.api('/api/agents/echo/execute', { method: 'POST', json: { action: 'sleep', input: { ms: 3500 } } })),
    );
    for (const s of slow) {
      const done = await stack.api(`/api/tasks/${s.body.task_id}?wait=15`);
      expect(done.body).toMatchObject({ status: 'succeeded', attempts: 1 });
      expect(done.body.attempts_log).toHaveLength(1);
    }
  });

  it('records heartbeats and removes remote agents', async () => {
    const hb = await stack.api('/api/agents/flaky/heartbeat', { method: 'POST' });
    expect(hb.body.last_heartbeat_at).toEqual(expect.any(String));
    expect((await stack.api('/api/agents/echo', { method: 'DELETE' })).status).toBe(409);
    expect((await stack.api('/api/agents/flaky', { method: 'DELETE' })).status).toBe(204);
    expect((await stack.api('/api/agents/flaky')).status).toBe(404);
  });
});
