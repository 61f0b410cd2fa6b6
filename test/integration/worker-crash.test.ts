// Web, two workers and the scheduler as separate OS processes: 500 tasks to a real HTTP agent all
// succeed although one worker is killed with SIGKILL mid-way; no attempt of a task overlaps another.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { startProcess, startWebProcess, type StartedProcess } from '../support/processes';
import { waitUntil } from '../support/wait';

const KEY = 'crash-test-admin-key-0123456789';
const TASKS = 500;

jest.setTimeout(120_000);

describeEachDatabase('a killed worker loses no task', (kind) => {
  let db: TestDatabase;
  let agent: FakeAgent;
  const procs: StartedProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    agent = await startFakeAgent();
    agent.behave(() => ({ kind: 'ok', delayMs: 60 }));
  });
  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await agent?.close();
    await db?.cleanup();
  });

  it('finishes all 500 tasks exactly once each, re-leasing the killed worker’s tasks', async () => {
    const env = {
      DATABASE_URL: db.url,
      ADMIN_API_KEY: KEY,
      RATE_LIMIT_REQUESTS: '100000',
      TASK_LEASE_SECONDS: '2',
      LEASE_REAPER_INTERVAL: '1s',
      WORKER_CONCURRENCY: '8',
      WORKER_POLL_INTERVAL_MS: '200',
      AGENT_REMOTE_MAX_CONCURRENT_TASKS: '16',
    };
    const web = await startWebProcess('web', env);
    procs.push(web);
    const api = async (path: string, body?: unknown) => {
      const res = await fetch(`${web.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const reg = await api('/api/agents', { id: 'remote', name: 'Remote', capabilities: ['work'], endpoint: agent.endpoint, version: '1', health_check_url: agent.healthUrl, metadata: {} });
    expect(reg.status).toBe(201);

    const ids: string[] = [];
    for (let i = 0; i < TASKS; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, j) => api('/api/agents/remote/execute', { action: 'work', input: { n: i + j } })));
      for (const r of batch) {
        expect(r.status).toBe(202);
        ids.push(String(r.body.task_id));
      }
    }

    const w1 = startProcess('worker', env);
    const w2 = startProcess('worker', env);
    const scheduler = startProcess('scheduler', env);
    procs.push(w1, w2, scheduler);
    await w1.waitForLog((l) => l.message === 'worker started');
    await w2.waitForLog((l) => l.message === 'worker started');

    // Kill one worker while it holds tasks: attempts it logged as started but not finished.
    const started = (l: { message: string }) => l.message === 'task attempt started';
    const finished = (l: { message: string }) => l.message === 'task attempt finished';
    const inFlight = () => {
      const open = new Set(w1.lines.filter(started).map((l) => String(l.task_id)));
      for (const l of w1.lines.filter(finished)) open.delete(String(l.task_id));
      return open;
    };
    await waitUntil(() => w1.lines.filter(started).length >= 40 && inFlight().size > 0, { what: 'worker 1 busy', timeoutMs: 30_000, intervalMs: 5 });
    w1.kill('SIGKILL');
    const heldByKilledWorker = inFlight();
    expect((await w1.exited()).signal).toBe('SIGKILL');

    await waitUntil(
      async () => {
        const succeeded = await api('/api/tasks?status=succeeded&agent_id=remote&limit=1');
        return Number(succeeded.body.total) === TASKS;
      },
      { what: 'all tasks succeeded', timeoutMs: 90_000, intervalMs: 500 },
    );
    for (const status of ['queued', 'running', 'failed', 'cancelled']) {
      expect((await api(`/api/tasks?status=${status}&limit=1`)).body.total).toBe(0);
    }
    expect(agent.overlaps).toEqual([]);
    const seen = new Set(agent.calls.map((c) => c.task_id));
    expect(seen.size).toBe(TASKS);
    for (const id of ids) expect(seen.has(id)).toBe(true);
    // Tasks the killed worker held were attempted again after their lease expired.
    const retried = agent.calls.filter((c) => c.attempt > 1);
    const reattempted = new Set(retried.map((c) => c.task_id));
    // Every attempt the killed worker still held was attempted again after its lease expired.
    expect(heldByKilledWorker.size).toBeGreaterThan(0);
    for (const id of heldByKilledWorker) expect(reattempted.has(id) || (await api(`/api/tasks/${id}`)).body.attempts === 1).toBe(true);
    expect(reattempted.size).toBeGreaterThan(0);
    for (const id of reattempted) {
      const t = await api(`/api/tasks/${id}`);
      expect(Number(t.body.attempts)).toBeGreaterThan(1);
    }

    for (const p of [web, w2, scheduler]) p.kill('SIGTERM');
    for (const p of [web, w2, scheduler]) expect((await p.exited()).code).toBe(0);
  });
});
