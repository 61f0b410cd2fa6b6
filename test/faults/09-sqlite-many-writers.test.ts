// Scenario 9: SQLite with web, two workers and the scheduler as separate processes writing at once
// (300 tasks submitted concurrently while the workers complete them). No "database is locked" reaches a
// client (no 5xx) or fails a task.

import { createTestDatabase, type TestDatabase } from '../support/services';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { apiFor, baseEnv, duplicatedCount, ProcessGroup, registerAgent, statusCounts, waitForStatus, type ApiReply } from './support/cluster';
import { recordRow } from './support/fault-table';

const TASKS = 300;
const CLIENTS = 6;

describe('9. SQLite with four processes writing at once', () => {
  let db: TestDatabase;
  let agent: FakeAgent;
  const group = new ProcessGroup();

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await (await db.open()).close();
    agent = await startFakeAgent();
    agent.behave(() => ({ kind: 'ok', delayMs: 5 }));
  });
  afterAll(async () => {
    group.killAll();
    await agent?.close();
    await db?.cleanup();
  });

  it('never lets a busy database reach a client or fail a task', async () => {
    const env = baseEnv(db.url, { WORKER_CONCURRENCY: '8', AGENT_LOCAL_MAX_CONCURRENT_TASKS: '32', WORKER_POLL_INTERVAL_MS: '50' });
    const web = await group.web(env);
    const api = apiFor(() => web.url);
    await registerAgent(api, 'local', agent);
    const procs = [web, await group.start('worker', env), await group.start('worker', env), await group.start('scheduler', env)];

    // Six clients submit while both workers claim and complete (and the scheduler reaps).
    const replies: ApiReply[] = [];
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let i = 0; i < TASKS / CLIENTS; i++) {
          replies.push(await api('/api/agents/local/execute', { json: { action: 'work', input: { c, i } } }));
          if (i % 10 === 0) replies.push(await api('/api/tasks?agent_id=local&limit=5'));
        }
      }),
    );
    const bad = replies.filter((r) => r.status >= 500 || r.status === 409 || /locked|SQLITE_BUSY/i.test(r.text));
    expect(bad.map((r) => `${r.status} ${r.text.slice(0, 200)}`)).toEqual([]);
    expect(replies.filter((r) => r.status === 202)).toHaveLength(TASKS);

    const counts = await waitForStatus(api, 'local', 'succeeded', TASKS, 60_000);
    expect(counts).toEqual({ queued: 0, running: 0, succeeded: TASKS, failed: 0, cancelled: 0 });
    const withErrors = ((await api(`/api/tasks?agent_id=local&limit=${TASKS}`)).body!.tasks as { last_error: string | null }[]).filter((t) => t.last_error !== null);
    expect(withErrors).toEqual([]);
    const lockedInLogs = procs.flatMap((p) => p.lines.filter((l) => /database is locked|SQLITE_BUSY/i.test(JSON.stringify(l))));
    expect(agent.overlaps).toEqual([]);

    recordRow({
      order: 9,
      scenario: 'SQLite: web + 2 workers + scheduler processes, 300 concurrent submissions',
      submitted: TASKS,
      succeeded: (await statusCounts(api, 'local')).succeeded!,
      lost: TASKS - counts.succeeded!,
      duplicated: duplicatedCount(agent),
      recoverMs: null,
      notes: `${replies.length} API calls, no 5xx; no task with a last_error; ${lockedInLogs.length} "database is locked" log lines`,
    });
    expect(lockedInLogs).toEqual([]);
    const codes = await group.stopAll();
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});
