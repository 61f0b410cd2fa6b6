// A task queued in a process whose worker is idle. On Postgres the enqueue's own commit leases it
// to that worker (idle-slots.ts), so it starts without a claim of its own; on every database the
// agents' limits hold, the lent slots come back, nothing runs twice, and a worker that stops while
// an enqueue holds its slots leaves nothing leased to it.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessStack, type InProcessStack } from '../support/in-process';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { waitUntil } from '../support/wait';
import type { Task } from '../../src/modules/tasks/task';

jest.setTimeout(60_000);

describeEachDatabase('an enqueue and an idle worker in the same process', (kind) => {
  let db: TestDatabase;
  let stack: InProcessStack;
  let agent: FakeAgent;
  // No poll claim runs during a test (60 s): a task starts because its enqueue handed it on or woke the worker.
  const env = () => ({
    DATABASE_URL: db.url,
    WORKER_POLL_INTERVAL_MS: '60000',
    WORKER_CONCURRENCY: '4',
    AGENT_SLOW_MAX_CONCURRENT_TASKS: '1',
    RATE_LIMIT_REQUESTS: '100000',
  });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    agent = await startFakeAgent();
    stack = await startInProcessStack(env());
    const slow = { id: 'slow', name: 'Slow', capabilities: ['analysis'], endpoint: agent.endpoint, version: '1.0.0' };
    expect((await stack.api('/api/agents', { method: 'POST', json: slow })).status).toBe(201);
    // Let the worker's first claim (at start) end: the worker is idle from here on.
    await new Promise((r) => setTimeout(r, 200));
  });
  afterAll(async () => {
    await stack?.stop();
    await agent?.close();
    await db?.cleanup();
  });

  const queue = () => stack.services.tasks!.queue;
  const succeeded = (id: string) => waitUntil(async () => ((await queue().get(id)).status === 'succeeded' ? true : undefined), { timeoutMs: 10_000 });

  it('starts a task queued while the worker waits, once (on Postgres leased in the enqueue’s own commit)', async () => {
    const { task, created } = await queue().enqueue({ agentId: 'echo', action: 'echo', input: { n: 1 } });
    expect(created).toBe(true);
    const row = await queue().get(task.id);
    // Postgres: leased by the commit that queued it (running, or already done); SQLite: woken after it.
    if (kind === 'postgres') expect(row.status).not.toBe('queued');
    await succeeded(task.id);
    const attempts = await queue().attempts(task.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.worker_id).toBe(stack.services.tasks!.worker.workerId);
  });

  it('leaves a task queued while its agent is at its limit, and the lent slots still take other work', async () => {
    agent.behave((call) => ((call.input as { hold?: boolean }).hold ? { kind: 'ok', delayMs: 1500 } : { kind: 'ok' }));
    const first = (await queue().enqueue({ agentId: 'slow', action: 'run', input: { hold: true } })).task;
    await waitUntil(async () => (agent.calls.some((c) => c.task_id === first.id) ? true : undefined), { timeoutMs: 5_000 });
    // The agent runs one task at a time: the second waits, though three slots are free.
    const second = (await queue().enqueue({ agentId: 'slow', action: 'run', input: {} })).task;
    expect((await queue().get(second.id)).status).toBe('queued');
    // The slots that enqueue borrowed came back: another agent's task runs at once.
    const other = (await queue().enqueue({ agentId: 'echo', action: 'echo', input: { n: 2 } })).task;
    await succeeded(other.id);
    expect((await queue().get(first.id)).status).toBe('running');
    // The second runs when the first has finished, never beside it.
    await succeeded(second.id);
    const firstCall = agent.calls.find((c) => c.task_id === first.id)!;
    const secondCall = agent.calls.find((c) => c.task_id === second.id)!;
    expect(secondCall.at - firstCall.at).toBeGreaterThanOrEqual(1400);
    expect(agent.overlaps).toEqual([]);
  });

  it('runs every one of many tasks queued at the same moment exactly once', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, n) => queue().enqueue({ agentId: 'echo', action: 'echo', input: { n } })));
    for (const { task } of results) await succeeded(task.id);
    for (const { task } of results) expect(await queue().attempts(task.id)).toHaveLength(1);
    expect(stack.services.tasks!.worker.inFlight()).toBe(0);
  });

  it('keeps an idempotent repeat to the first task, whether or not its commit leased slots', async () => {
    const first = await queue().enqueue({ agentId: 'echo', action: 'echo', input: { n: 'key' }, idempotencyKey: 'idle-key' });
    await succeeded(first.task.id);
    const again = await queue().enqueue({ agentId: 'echo', action: 'echo', input: { n: 'other' }, idempotencyKey: 'idle-key' });
    expect(again).toMatchObject({ created: false, task: { id: first.task.id } });
    expect(await queue().attempts(first.task.id)).toHaveLength(1);
  });

  it('a worker stopping while an enqueue holds its slots waits for them and leaves no task leased to it', async () => {
    const other = await startInProcessStack(env());
    let task: Task;
    try {
      await new Promise((r) => setTimeout(r, 200));
      const tasks = other.services.tasks!;
      const enqueued = tasks.queue.enqueue({ agentId: 'echo', action: 'echo', input: { n: 'stop' } });
      const stopped = tasks.worker.stop();
      task = (await enqueued).task;
      await stopped;
      // Given back (queued again, its attempt closed) or never leased: never left running on the
      // stopped worker. The give-back wakes this file's worker, which may have taken it already.
      const row = await queue().get(task.id);
      expect(row.locked_by).not.toBe(tasks.worker.workerId);
      if (row.status !== 'queued') expect(row.locked_by === null || row.locked_by === stack.services.tasks!.worker.workerId).toBe(true);
      const attempts = await queue().attempts(task.id);
      expect(attempts.filter((a) => a.worker_id === tasks.worker.workerId).every((a) => a.finished_at !== null)).toBe(true);
    } finally {
      // Stopped even when an expectation failed: a stack left running keeps Jest from exiting.
      await other.stop();
    }
    // This file's worker takes it with the next task queued here.
    await queue().enqueue({ agentId: 'echo', action: 'echo', input: { wake: true } });
    await succeeded(task.id);
  });
});
