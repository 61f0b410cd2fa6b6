// Scenario 2: SIGTERM a worker mid-run. It stops claiming, finishes its running tasks within the grace
// period and exits 0; a task that outlives the grace is released (not lost) and finishes on another worker.

import { createTestDatabase, type TestDatabase } from '../support/services';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { waitUntil } from '../support/wait';
import { apiFor, baseEnv, describeWithServices, duplicatedCount, ProcessGroup, registerAgent, statusCounts, submitTasks, waitForStatus } from './support/cluster';
import { recordRow } from './support/fault-table';

const QUICK = 6;
const SLOW = 2;
const LATE = 5;

describeWithServices('2. SIGTERM a worker mid-run', {}, () => {
  let db: TestDatabase;
  let agent: FakeAgent;
  const group = new ProcessGroup();

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await (await db.open()).close();
    agent = await startFakeAgent();
    // Quick tasks fit in the 3 s grace; a slow task's first attempt (8 s) outlives it.
    agent.behave((call) => {
      const slow = (call.input as { slow?: boolean } | null)?.slow === true;
      return { kind: 'ok', delayMs: slow && call.attempt === 1 ? 8000 : 1500 };
    });
  });
  afterAll(async () => {
    group.killAll();
    await agent?.close();
    await db?.cleanup();
  });

  it('drains running tasks, releases the one past the grace period, and exits 0', async () => {
    const env = baseEnv(db.url, { WORKER_CONCURRENCY: '10', SHUTDOWN_TIMEOUT_SECONDS: '3' });
    const web = await group.web(env);
    const api = apiFor(() => web.url);
    await registerAgent(api, 'grace', agent);
    const quick = await submitTasks(api, 'grace', QUICK, (i) => ({ n: i }));
    const slow = await submitTasks(api, 'grace', SLOW, (i) => ({ n: i, slow: true }));

    const a = await group.start('worker', env);
    await waitUntil(() => agent.calls.length === QUICK + SLOW, { what: 'every task running on worker A', timeoutMs: 20_000 });
    a.kill('SIGTERM');
    const termAt = Date.now();
    // Work submitted after SIGTERM must wait for another worker.
    const late = await submitTasks(api, 'grace', LATE, (i) => ({ n: 100 + i }));
    expect((await a.exited()).code).toBe(0);
    const exitedAt = Date.now();
    expect(agent.calls.filter((c) => c.at > termAt)).toEqual([]);

    // Quick tasks finished on A within the grace period, in their first attempt.
    for (const id of quick) {
      const t = await api(`/api/tasks/${id}`);
      expect(t.body).toMatchObject({ status: 'succeeded', attempts: 1 });
    }
    // The slow tasks were released back to the queue, not lost or failed.
    for (const id of [...slow, ...late]) expect((await api(`/api/tasks/${id}`)).body).toMatchObject({ status: 'queued' });

    await group.start('worker', env);
    const counts = await waitForStatus(api, 'grace', 'succeeded', QUICK + SLOW + LATE, 30_000);
    const recoverMs = Date.now() - exitedAt;
    expect(counts).toMatchObject({ queued: 0, running: 0, failed: 0 });
    for (const id of slow) {
      const t = await api(`/api/tasks/${id}`);
      expect(Number(t.body!.attempts)).toBe(2);
    }
    expect(agent.overlaps).toEqual([]);

    const total = QUICK + SLOW + LATE;
    recordRow({
      order: 2,
      scenario: 'SIGTERM a worker mid-run (grace 3 s, one agent call 8 s)',
      submitted: total,
      succeeded: (await statusCounts(api, 'grace')).succeeded!,
      lost: total - counts.succeeded!,
      duplicated: duplicatedCount(agent),
      recoverMs,
      notes: `worker exited 0 after ${((exitedAt - termAt) / 1000).toFixed(1)} s; ${QUICK} drained, ${SLOW} released and run on worker B; 0 claims after SIGTERM`,
    });
    const codes = await group.stopAll();
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});
