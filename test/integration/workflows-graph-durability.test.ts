// Branching and waiting runs survive their processes being killed with SIGKILL, on each database:
// a worker killed while three parallel branches run, a scheduler killed during a durable sleep;
// and a wait is resumed by an event appended through another process's API.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { startInProcessWeb, TEST_ADMIN_KEY, type InProcessWeb } from '../support/in-process';
import { startProcess, startWebProcess, type StartedProcess } from '../support/processes';
import { waitUntil } from '../support/wait';

jest.setTimeout(120_000);

describeEachDatabase('branching runs survive killed processes', (kind) => {
  let db: TestDatabase;
  let agent: FakeAgent;
  let web: InProcessWeb;
  const procs: StartedProcess[] = [];

  const env = (url: string) => ({
    DATABASE_URL: url,
    LOG_LEVEL: 'info', // the test waits for start-up lines
    TASK_LEASE_SECONDS: '2',
    LEASE_REAPER_INTERVAL: '1s',
    SCHEDULER_LEADER_LEASE_SECONDS: '2',
    WORKFLOW_TIMER_INTERVAL: '1s',
    WORKER_POLL_INTERVAL_MS: '100',
    TASK_RETRY_BASE_MS: '20',
    TASK_RETRY_MAX_MS: '100',
    CIRCUIT_FAILURE_THRESHOLD: '1000',
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    WORKFLOWS_DIR: '/nonexistent/workflows',
  });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    agent = await startFakeAgent();
    agent.behave((call) => ({ kind: 'ok', delayMs: call.action.startsWith('branch') ? 1200 : 0, result: { step: call.action } }));
    const { LOG_LEVEL: _processesOnly, ...webEnv } = env(db.url);
    web = await startInProcessWeb({ ...webEnv, RATE_LIMIT_REQUESTS: '100000' });
    const reg = await api('/api/agents', { id: 'remote', name: 'Remote', capabilities: ['work'], endpoint: agent.endpoint, version: '1', health_check_url: agent.healthUrl, metadata: {} });
    expect(reg.status).toBe(201);
  });
  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await web?.stop();
    await agent?.close();
    await db?.cleanup();
  });

  async function api(path: string, body?: unknown, base = web.url) {
    const res = await fetch(`${base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- asserted field by field
  }
  const finalRun = (runId: string) =>
    waitUntil(
      async () => {
        const r = await api(`/api/workflow-runs/${runId}`);
        return ['completed', 'compensated', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
      },
      { what: 'the run to finish', timeoutMs: 60_000, intervalMs: 200 },
    );
  const stop = async (...ps: StartedProcess[]) => {
    for (const p of ps) p.kill('SIGTERM');
    for (const p of ps) expect((await p.exited()).code).toBe(0);
  };
  const step = (agentId: string, id: string, action: string) => ({ id, agent_id: agentId, action, timeout_seconds: 30, max_attempts: 5 });

  it('completes three parallel branches after SIGKILL of the worker running them, each branch succeeding once', async () => {
    const def = {
      id: 'branches',
      name: 'Branches',
      steps: [{ id: 'g', parallel: [step('remote', 'a', 'branch-a'), step('remote', 'b', 'branch-b'), step('remote', 'c', 'branch-c')] }, step('remote', 'join', 'join')],
    };
    expect((await api('/api/workflows', def)).status).toBe(201);
    const scheduler = startProcess('scheduler', env(db.url));
    const w1 = startProcess('worker', env(db.url));
    procs.push(scheduler, w1);
    await w1.waitForLog((l) => l.message === 'worker started');
    const runId = (await api('/api/workflows/branches/runs', { input: {} })).body.run_id as string;

    // Kill the worker while all three branches are inside their calls.
    await waitUntil(() => ['branch-a', 'branch-b', 'branch-c'].every((a) => agent.calls.some((c) => c.action === a)), { what: 'three branches started', timeoutMs: 30_000 });
    w1.kill('SIGKILL');
    expect((await w1.exited()).signal).toBe('SIGKILL');
    expect((await api(`/api/workflow-runs/${runId}`)).body.status).toBe('running');

    const w2 = startProcess('worker', env(db.url));
    procs.push(w2);
    const run = await finalRun(runId);
    expect(run.status).toBe('completed');
    expect(Object.fromEntries(run.steps.map((s: { id: string; status: string }) => [s.id, s.status]))).toEqual({ g: 'succeeded', a: 'succeeded', b: 'succeeded', c: 'succeeded', join: 'succeeded' });
    // One task per step; each branch's task has one successful attempt after the lost one.
    const tasks = await api(`/api/tasks?workflow_run_id=${runId}&limit=100`);
    expect(tasks.body.total).toBe(4);
    for (const id of ['a', 'b', 'c']) {
      const s = run.steps.find((x: { id: string }) => x.id === id);
      const task = await api(`/api/tasks/${s.task_id}`);
      expect((task.body.attempts_log as { outcome: string }[]).map((a) => a.outcome)).toEqual(['lease_expired', 'succeeded']);
    }
    const completed = run.timeline.filter((e: { type: string }) => e.type === 'StepCompleted').map((e: { data: { step_id: string } }) => e.data.step_id);
    expect(completed.sort()).toEqual(['a', 'b', 'c', 'g', 'join']);
    await stop(w2, scheduler);
  });

  it('ends a durable sleep after SIGKILL of the scheduler that parked it, running the next step once', async () => {
    expect((await api('/api/workflows', { id: 'napper', name: 'Napper', steps: [step('remote', 'before', 'before-nap'), { id: 'nap', sleep: '3s' }, step('remote', 'after', 'after-nap')] })).status).toBe(201);
    const s1 = startProcess('scheduler', env(db.url));
    const worker = startProcess('worker', env(db.url));
    procs.push(s1, worker);
    await s1.waitForLog((l) => l.message === 'became scheduler leader');
    const runId = (await api('/api/workflows/napper/runs', { input: {} })).body.run_id as string;
    await waitUntil(async () => (await api(`/api/workflow-runs/${runId}`)).body.steps[1].status === 'waiting', { what: 'the sleep', timeoutMs: 30_000 });
    s1.kill('SIGKILL');
    expect((await s1.exited()).signal).toBe('SIGKILL');

    const s2 = startProcess('scheduler', env(db.url));
    procs.push(s2);
    const run = await finalRun(runId);
    expect(run.status).toBe('completed');
    expect(run.steps.map((s: { status: string }) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(agent.calls.filter((c) => c.action === 'after-nap')).toHaveLength(1);
    await stop(worker, s2);
  });

  it('resumes a wait when its event is appended through another web process', async () => {
    const def = {
      id: 'awaiting',
      name: 'Awaiting',
      steps: [{ id: 'signal', wait_for_event: { type: 'invoice.paid', match: { 'data.invoice': '{{input.invoice}}' }, timeout: '1m' } }, step('remote', 'thank', 'thank')],
    };
    expect((await api('/api/workflows', def)).status).toBe(201);
    const scheduler = startProcess('scheduler', env(db.url));
    const worker = startProcess('worker', env(db.url));
    const other = await startWebProcess('web', env(db.url));
    procs.push(scheduler, worker, other);
    const runId = (await api('/api/workflows/awaiting/runs', { input: { invoice: 'inv-7' } })).body.run_id as string;
    await waitUntil(async () => (await api(`/api/workflow-runs/${runId}`)).body.steps[0].status === 'waiting', { what: 'the wait' });
    expect((await api('/api/events', { type: 'invoice.paid', data: { invoice: 'inv-7', amount: 10 } }, other.url)).status).toBe(201);
    const run = await finalRun(runId);
    expect(run.status).toBe('completed');
    expect(run.steps[0].output).toMatchObject({ type: 'invoice.paid', data: { invoice: 'inv-7', amount: 10 } });
    await stop(worker, scheduler, other);
  });
});
