// A worker leases tasks ahead of its slots after short attempts (WORKER_LOOKAHEAD), so they start
// as slots free while the completions that freed them commit. It never calls more agents at once
// than its concurrency, runs each task once, and gives back what it cannot start: a task leased
// ahead that waits too long for a slot, and every one of them when it stops.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessStack, type InProcessStack } from '../support/in-process';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { waitUntil } from '../support/wait';
import type { Task } from '../../src/modules/tasks/task';

jest.setTimeout(60_000);

describeEachDatabase('a worker leasing tasks ahead of its slots', (kind) => {
  let db: TestDatabase;
  let agent: FakeAgent;
  let stack: InProcessStack | undefined;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
  });
  afterAll(async () => {
    await db?.cleanup();
  });
  beforeEach(async () => {
    agent = await startFakeAgent();
    // Quick calls answer at once; a call for a task whose input says `hold` answers after that long.
    agent.behave((call) => ({ kind: 'ok', delayMs: (call.input as { hold?: number }).hold ?? 0 }));
  });
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    await agent.close();
    const handle = await db.open();
    await handle.db.deleteFrom('task_attempts').execute();
    await handle.db.deleteFrom('tasks').execute();
    await handle.close();
  });

  async function start(env: Record<string, string>): Promise<InProcessStack> {
    stack = await startInProcessStack({
      DATABASE_URL: db.url,
      // Tasks start because a commit leased them or a wake-up came, never because of the poll.
      WORKER_POLL_INTERVAL_MS: '60000',
      AGENT_DEFAULT_MAX_CONCURRENT_TASKS: '100',
      RATE_LIMIT_REQUESTS: '100000',
      ...env,
    });
    const fake = { id: 'fake', name: 'Fake', capabilities: ['analysis'], endpoint: agent.endpoint, version: '1.0.0' };
    // Registered anew for each test's agent server (201 the first time, then 200: updated).
    expect([200, 201]).toContain((await stack.api('/api/agents', { method: 'POST', json: fake })).status);
    return stack;
  }

  /** Two quick tasks first (higher priority), then `holds` tasks whose calls take `holdMs`. */
  async function enqueueQuickThenHeld(s: InProcessStack, holds: number, holdMs: number): Promise<Task[]> {
    const reqs = [
      ...Array.from({ length: 2 }, (_, n) => ({ agentId: 'fake', action: 'run', input: { n }, priority: 5 })),
      ...Array.from({ length: holds }, (_, n) => ({ agentId: 'fake', action: 'run', input: { n, hold: holdMs } })),
    ];
    return (await s.services.tasks!.queue.enqueueMany(reqs)).map((r) => r.task);
  }

  const statuses = async (s: InProcessStack) => {
    const { tasks } = await s.services.tasks!.queue.list({ limit: 100, offset: 0 });
    const count = (status: string) => tasks.filter((t) => t.status === status).length;
    return { running: count('running'), queued: count('queued'), succeeded: count('succeeded') };
  };

  it('holds tasks leased ahead while its slots are busy, never calls more agents at once than its concurrency, and runs each task once', async () => {
    const s = await start({ WORKER_CONCURRENCY: '2', WORKER_LOOKAHEAD: '2' });
    const tasks = await enqueueQuickThenHeld(s, 6, 700);
    // The quick attempts' completions leased the held tasks two ahead: four leased, two calling.
    await waitUntil(async () => ((await statuses(s)).running === 4 && agent.inFlight() === 2 ? true : undefined), { timeoutMs: 5_000, intervalMs: 20, what: 'two calls and two tasks leased ahead' });
    await waitUntil(async () => ((await statuses(s)).succeeded === tasks.length ? true : undefined), { timeoutMs: 20_000 });
    expect(agent.maxInFlight()).toBe(2);
    expect(agent.overlaps).toEqual([]);
    for (const t of tasks) expect(await s.services.tasks!.queue.attempts(t.id)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'succeeded' })]);
  });

  it('leases nothing ahead when WORKER_LOOKAHEAD is 0', async () => {
    const s = await start({ WORKER_CONCURRENCY: '2', WORKER_LOOKAHEAD: '0' });
    const tasks = await enqueueQuickThenHeld(s, 4, 700);
    await waitUntil(() => (agent.inFlight() === 2 && agent.calls.some((c) => (c.input as { hold?: number }).hold) ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });
    expect((await statuses(s)).running).toBe(2);
    await waitUntil(async () => ((await statuses(s)).succeeded === tasks.length ? true : undefined), { timeoutMs: 20_000 });
  });

  it('gives a task leased ahead back to the queue when no slot frees for it in time, and runs it later', async () => {
    // Leases of one second are renewed every third of it; a task ahead that has waited half of
    // that goes back at the next renewal, long before its lease would run out.
    const s = await start({ WORKER_CONCURRENCY: '1', WORKER_LOOKAHEAD: '1', TASK_LEASE_SECONDS: '1' });
    const tasks = await enqueueQuickThenHeld(s, 3, 1500);
    const released = await waitUntil(
      async () => {
        for (const t of tasks) {
          const attempts = await s.services.tasks!.queue.attempts(t.id);
          if (attempts.some((a) => a.outcome === 'released')) return { task: t, attempts };
        }
        return undefined;
      },
      { timeoutMs: 5_000, intervalMs: 50, what: 'a task ahead given back' },
    );
    expect(released.attempts[0]).toMatchObject({ outcome: 'released', error: 'leased ahead of a slot that did not free in time' });
    await waitUntil(async () => ((await statuses(s)).succeeded === tasks.length ? true : undefined), { timeoutMs: 20_000 });
    // The given-back attempt did not use up the task's budget, and its call ran once.
    const again = await s.services.tasks!.queue.get(released.task.id);
    expect(again.status).toBe('succeeded');
    expect(agent.calls.filter((c) => c.task_id === released.task.id)).toHaveLength(1);
    expect(agent.maxInFlight()).toBe(1);
  });

  it('gives back the tasks it holds ahead when it stops, leaving none leased to it', async () => {
    const s = await start({ WORKER_CONCURRENCY: '2', WORKER_LOOKAHEAD: '2', SHUTDOWN_TIMEOUT_SECONDS: '5' });
    const tasks = await enqueueQuickThenHeld(s, 6, 700);
    await waitUntil(async () => ((await statuses(s)).running === 4 ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });
    await s.stop();
    stack = undefined;
    // The two calls in progress finished within the grace period; the two ahead went back unstarted.
    const handle = await db.open();
    try {
      const rows = await handle.db.selectFrom('tasks').select(['id', 'status', 'locked_by']).execute();
      expect(rows.filter((r) => r.status === 'running')).toEqual([]);
      expect(rows.filter((r) => r.status === 'succeeded')).toHaveLength(4);
      const queued = rows.filter((r) => r.status === 'queued');
      expect(queued).toHaveLength(tasks.length - 4);
      for (const r of queued) expect(r.locked_by).toBeNull();
    } finally {
      await handle.close();
    }
    const startedHeld = agent.calls.filter((c) => (c.input as { hold?: number }).hold).length;
    expect(startedHeld).toBe(2);
  });
});
