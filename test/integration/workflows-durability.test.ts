// A 5-step saga survives its worker being killed with SIGKILL mid-way: a new worker (and the lease
// reaper) pick it up, the run completes, and every step succeeded exactly once in the run's record.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { adminApi, startInProcessWeb, type InProcessWeb } from '../support/in-process';
import { startProcess, type StartedProcess } from '../support/processes';
import { waitUntil } from '../support/wait';

jest.setTimeout(90_000);

describeEachDatabase('a killed worker does not lose or repeat a saga step', (kind) => {
  let db: TestDatabase;
  let agent: FakeAgent;
  let web: InProcessWeb;
  const procs: StartedProcess[] = [];

  const env = (url: string) => ({
    DATABASE_URL: url,
    LOG_LEVEL: 'info', // the test waits for the 'worker started' line
    TASK_LEASE_SECONDS: '2',
    LEASE_REAPER_INTERVAL: '1s',
    WORKER_POLL_INTERVAL_MS: '100',
    TASK_RETRY_BASE_MS: '20',
    TASK_RETRY_MAX_MS: '100',
    CIRCUIT_FAILURE_THRESHOLD: '1000',
    WORKFLOWS_DIR: '/nonexistent/workflows',
  });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    agent = await startFakeAgent();
    agent.behave((call) => ({ kind: 'ok', delayMs: 400, result: { step: call.action } }));
    const { LOG_LEVEL: _processesOnly, ...webEnv } = env(db.url);
    web = await startInProcessWeb({ ...webEnv, RATE_LIMIT_REQUESTS: '100000' });
  });
  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await web?.stop();
    await agent?.close();
    await db?.cleanup();
  });

  const api = (path: string, body?: unknown) => adminApi(web.url, path, body);

  it('completes the run after SIGKILL of the worker, each step succeeding exactly once', async () => {
    const reg = await api('/api/agents', { id: 'remote', name: 'Remote', capabilities: ['work'], endpoint: agent.endpoint, version: '1', health_check_url: agent.healthUrl, metadata: {} });
    expect(reg.status).toBe(201);
    const steps = Array.from({ length: 5 }, (_, i) => ({ id: `s${i + 1}`, agent_id: 'remote', action: `step-${i + 1}`, input: { n: i + 1 }, timeout_seconds: 10, max_attempts: 5 }));
    expect((await api('/api/workflows', { id: 'five', name: 'Five steps', steps })).status).toBe(201);

    const scheduler = startProcess('scheduler', env(db.url));
    const w1 = startProcess('worker', env(db.url));
    procs.push(scheduler, w1);
    await w1.waitForLog((l) => l.message === 'worker started');

    const started = await api('/api/workflows/five/runs', { input: {} });
    expect(started.status).toBe(202);
    const runId = started.body.run_id as string;

    // Kill the worker while it is inside step 3's call to the agent.
    await waitUntil(() => agent.calls.some((c) => c.action === 'step-3'), { what: 'step 3 started', timeoutMs: 30_000 });
    w1.kill('SIGKILL');
    expect((await w1.exited()).signal).toBe('SIGKILL');
    const midway = await api(`/api/workflow-runs/${runId}`);
    expect(midway.body.status).toBe('running');

    const w2 = startProcess('worker', env(db.url));
    procs.push(w2);
    const run = await waitUntil(
      async () => {
        const r = await api(`/api/workflow-runs/${runId}`);
        return ['completed', 'compensated', 'failed', 'cancelled'].includes(r.body.status) ? r.body : undefined;
      },
      { what: 'the run to finish', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(run.status).toBe('completed');
    expect(run.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual(steps.map((s) => [s.id, 'succeeded']));
    expect(run.steps.map((s: { output: unknown }) => s.output)).toEqual(steps.map((s) => ({ step: s.action })));

    // One task per step, each with exactly one successful attempt; only step 3 needed a second attempt.
    const tasks = await api(`/api/tasks?workflow_run_id=${runId}&limit=100`);
    expect(tasks.body.total).toBe(5);
    for (const step of run.steps as { id: string; task_id: string; attempts: number }[]) {
      const task = await api(`/api/tasks/${step.task_id}`);
      expect(task.body).toMatchObject({ status: 'succeeded', workflow_step_id: step.id });
      const outcomes = (task.body.attempts_log as { outcome: string }[]).map((a) => a.outcome);
      expect(outcomes.filter((o) => o === 'succeeded')).toHaveLength(1);
      expect(step.attempts).toBe(outcomes.length);
      if (step.id === 's3') expect(outcomes).toEqual(['lease_expired', 'succeeded']);
      else expect(outcomes).toEqual(['succeeded']);
    }
    const types = run.timeline.map((e: { type: string; data: { step_id?: string } }) => (e.data.step_id ? `${e.type}:${e.data.step_id}` : e.type));
    expect(types).toEqual(['SagaStarted', ...steps.flatMap((s) => [`StepStarted:${s.id}`, `StepCompleted:${s.id}`]), 'SagaCompleted']);

    for (const p of [w2, scheduler]) p.kill('SIGTERM');
    for (const p of [w2, scheduler]) expect((await p.exited()).code).toBe(0);
  });
});
