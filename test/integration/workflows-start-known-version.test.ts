// Starting runs of a stored workflow whose version the process already knows (on Postgres the
// start goes out in one round trip, guarded by that version): a new version, a taken idempotency
// key and a deleted workflow each still get the right answer, and a start that could not be made
// that way leaves nothing of itself behind. On each database.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessStack, type InProcessStack } from '../support/in-process';
import type { DatabaseHandle } from '../../src/platform/db';
import { waitUntil } from '../support/wait';

jest.setTimeout(60_000);

describeEachDatabase('starting runs of a workflow whose version is known', (kind) => {
  let db: TestDatabase;
  let handle: DatabaseHandle;
  let stack: InProcessStack;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    handle = await db.open();
    stack = await startInProcessStack({ DATABASE_URL: db.url, WORKER_POLL_INTERVAL_MS: '100', RATE_LIMIT_REQUESTS: '100000', WORKFLOWS_DIR: '/nonexistent/workflows' });
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.cleanup();
  });

  const echo = (id: string) => ({ id, agent_id: 'echo', action: 'echo', input: { step: id }, timeout_seconds: 30 });
  const save = async (steps: unknown[]) => {
    const res = await stack.api('/api/workflows', { method: 'POST', json: { id: 'known', name: 'Known', steps } });
    expect([200, 201]).toContain(res.status);
  };
  const start = (json: unknown = { input: {} }, headers: Record<string, string> = {}) => stack.api('/api/workflows/known/runs', { method: 'POST', json, headers });
  const finished = (runId: string) =>
    waitUntil(async () => {
      const res = await stack.api(`/api/workflow-runs/${runId}`);
      return res.body.status === 'completed' ? res.body : undefined;
    });
  const counts = async () => ({
    runs: Number((await handle.db.selectFrom('workflow_runs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    steps: Number((await handle.db.selectFrom('workflow_run_steps').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    tasks: Number((await handle.db.selectFrom('tasks').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    events: Number((await handle.db.selectFrom('events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  });

  it('runs every start to the end on the version current when it started', async () => {
    await save([echo('a')]);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await start({ input: { i } });
      expect(res.status).toBe(202);
      ids.push(res.body.run_id);
    }
    for (const id of ids) {
      const run = await finished(id);
      expect(run.workflow_version).toBe(1);
      expect(run.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual(['a:succeeded']);
    }
    // A new version: the next start runs it, though this process knew version 1.
    await save([echo('a'), echo('b')]);
    const next = await start();
    expect(next.status).toBe(202);
    const run = await finished(next.body.run_id);
    expect(run.workflow_version).toBe(2);
    expect(run.steps.map((s: { id: string }) => s.id)).toEqual(['a', 'b']);
  });

  it('starts many runs asked for at once, each its own, and each on the current version after a new one', async () => {
    // On Postgres starts that arrive while one commits share a transaction (a group commit).
    const startMany = async (n: number, tag: string) => {
      const responses = await Promise.all(Array.from({ length: n }, (_, i) => start({ input: { tag, i } })));
      for (const res of responses) expect(res.status).toBe(202);
      const ids = responses.map((r) => r.body.run_id as string);
      expect(new Set(ids).size).toBe(n);
      return Promise.all(ids.map((id) => finished(id)));
    };
    const before = await counts();
    const runs = await startMany(20, 'same version');
    const version = runs[0].workflow_version;
    for (const run of runs) {
      expect(run.workflow_version).toBe(version);
      expect(run.input.tag).toBe('same version');
    }
    expect(runs.map((r) => r.input.i).sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const after = await counts();
    expect(after.runs - before.runs).toBe(20);
    // A new version while the process knows the old one: the shared transaction cannot be made,
    // and every start is still made, each once, on the new version.
    await save([echo('a'), echo('b'), echo('c')]);
    const newer = await startMany(20, 'new version');
    for (const run of newer) {
      expect(run.workflow_version).toBe(version + 1);
      expect(run.steps.map((s: { id: string; status: string }) => `${s.id}:${s.status}`)).toEqual(['a:succeeded', 'b:succeeded', 'c:succeeded']);
    }
    expect((await counts()).runs - after.runs).toBe(20);
  });

  it('answers a repeated idempotency key with the first run, and starts nothing more', async () => {
    const first = await start({ input: {} }, { 'Idempotency-Key': 'known-key' });
    expect(first.status).toBe(202);
    await finished(first.body.run_id);
    const before = await counts();
    const again = await start({ input: { other: true } }, { 'Idempotency-Key': 'known-key' });
    expect(again.body.run_id).toBe(first.body.run_id);
    expect(await counts()).toEqual(before);
  });

  it('starts asked for at once where some name no workflow: those are refused, the others start, and the refused leave nothing', async () => {
    // Starts that share a transaction (on SQLite every start without a key that comes while
    // others are under way) are made one by one when that transaction fails.
    const workflows = stack.services.workflows!;
    const before = await counts();
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) => workflows.startRun(i % 4 === 3 ? 'no-such-workflow' : 'known', { i })),
    );
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(4);
    for (const r of refused) expect(String((r as PromiseRejectedResult).reason)).toMatch(/no-such-workflow/);
    const started = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ run: { id: string; input: { i: number } }; created: boolean }>).value);
    expect(started.map((s) => s.created)).toEqual(Array(12).fill(true));
    expect(started.map((s) => s.run.input.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => i).filter((i) => i % 4 !== 3));
    await Promise.all(started.map((s) => finished(s.run.id)));
    expect((await counts()).runs - before.runs).toBe(12);
  });

  it('answers 404 for a workflow deleted since, leaving no run, step, task or event behind', async () => {
    await finished((await start()).body.run_id);
    const before = await counts();
    await handle.db.deleteFrom('workflows').where('id', '=', 'known').execute();
    const res = await start();
    expect(res.status).toBe(404);
    expect(await counts()).toEqual(before);
  });
});
