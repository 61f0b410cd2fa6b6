// Scenario 1: kill -9 a worker with tasks in flight on a slow agent (Postgres). Every task ends
// succeeded; the killed worker's tasks are re-leased after their lease as a new attempt; no overlap.

import { createTestDatabase, type TestDatabase } from '../support/services';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { waitUntil } from '../support/wait';
import { apiFor, baseEnv, describeWithServices, duplicatedCount, ProcessGroup, registerAgent, statusCounts, submitTasks, waitForStatus } from './support/cluster';
import { recordRow } from './support/fault-table';

const TASKS = 200;

describeWithServices('1. kill -9 a worker with 200 tasks in flight', {}, () => {
  let db: TestDatabase;
  let agent: FakeAgent;
  const group = new ProcessGroup();

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await (await db.open()).close();
    agent = await startFakeAgent();
    agent.behave(() => ({ kind: 'ok', delayMs: 400 }));
  });
  afterAll(async () => {
    group.killAll();
    await agent?.close();
    await db?.cleanup();
  });

  it('re-leases the killed worker’s tasks as new attempts and finishes all of them exactly once at a time', async () => {
    const env = baseEnv(db.url, { WORKER_CONCURRENCY: '10', AGENT_SLOW_MAX_CONCURRENT_TASKS: '40' });
    const web = await group.web(env);
    const api = apiFor(() => web.url);
    await registerAgent(api, 'slow', agent);
    const ids = await submitTasks(api, 'slow', TASKS);

    const w1 = await group.start('worker', env);
    await group.start('worker', env);
    await group.start('scheduler', env);

    // Kill while w1 holds a full batch of running tasks.
    await waitUntil(() => agent.calls.length >= 40, { what: 'tasks in flight', timeoutMs: 30_000 });
    w1.kill('SIGKILL');
    expect((await w1.exited()).signal).toBe('SIGKILL');
    const killedAt = Date.now();

    const counts = await waitForStatus(api, 'slow', 'succeeded', TASKS, 90_000);
    const recoverMs = Date.now() - killedAt;
    expect(counts).toEqual({ queued: 0, running: 0, succeeded: TASKS, failed: 0, cancelled: 0 });

    const seen = new Set(agent.calls.map((c) => c.task_id));
    for (const id of ids) expect(seen.has(id)).toBe(true);
    // The killed worker's tasks came back after their lease as a counted new attempt.
    const reattempted = [...new Set(agent.calls.filter((c) => c.attempt > 1).map((c) => c.task_id))];
    expect(reattempted.length).toBeGreaterThan(0);
    for (const id of reattempted.slice(0, 10)) {
      const t = await api(`/api/tasks/${id}`);
      expect(Number(t.body!.attempts)).toBeGreaterThan(1);
    }
    expect(agent.overlaps).toEqual([]);

    recordRow({
      order: 1,
      scenario: 'kill -9 a worker, 200 tasks on a slow agent (Postgres)',
      submitted: TASKS,
      succeeded: (await statusCounts(api, 'slow')).succeeded!,
      lost: TASKS - counts.succeeded!,
      duplicated: duplicatedCount(agent),
      recoverMs,
      notes: `${reattempted.length} tasks re-leased after the 2 s lease as attempt 2; recover = kill → all succeeded`,
    });
    const codes = await group.stopAll();
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});
