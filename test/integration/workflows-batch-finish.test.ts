// Steps of several runs finishing in one completion batch, on each database. On Postgres the batch
// ends each run's step in the round trip of the tasks' own update (prepareTaskFinishes), except
// where a run has two tasks in the batch (parallel branches) or child-workflow steps; whichever
// way a step ends, each run moves on exactly once, and a completion whose lease is not held ends
// nothing. Driven by hand (a web process, no worker), so the batch's make-up is the test's.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { adminApi, startInProcessWeb, type InProcessWeb } from '../support/in-process';
import type { ClaimedTask } from '../../src/modules/tasks/task-queue';

jest.setTimeout(60_000);

describeEachDatabase('workflow steps finishing in one batch', (kind) => {
  let db: TestDatabase;
  let web: InProcessWeb;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    web = await startInProcessWeb({
      DATABASE_URL: db.url,
      RATE_LIMIT_REQUESTS: '100000',
      WORKFLOWS_DIR: '/nonexistent/workflows',
      AGENT_ECHO_MAX_CONCURRENT_TASKS: '100',
      TASK_LEASE_SECONDS: '60',
    });
  });
  afterAll(async () => {
    await web?.stop();
    await db?.cleanup();
  });

  const api = (path: string, body?: unknown) => adminApi(web.url, path, body);
  const queue = () => web.services.tasks!.queue;
  const echo = (id: string, extra: Record<string, unknown> = {}) => ({ id, agent_id: 'echo', action: 'echo', input: { step: id }, timeout_seconds: 60, ...extra });
  const start = async (workflowId: string) => {
    const res = await api(`/api/workflows/${workflowId}/runs`, { input: {} });
    expect(res.status).toBe(202);
    return res.body.run_id as string;
  };
  const run = async (runId: string) => (await api(`/api/workflow-runs/${runId}`)).body;
  const stepOf = async (runId: string, stepId: string) => (await run(runId)).steps.find((s: { id: string }) => s.id === stepId);
  /** Every queued task, claimed by `worker` (the runs' first steps, and what earlier batches queued). */
  const claimAll = async (worker: string) => {
    const claimed: ClaimedTask[] = [];
    for (;;) {
      const batch = await queue().claim(worker, 50);
      if (batch.length === 0) return claimed;
      claimed.push(...batch);
    }
  };
  /** Completes the tasks together: issued in one turn, the group commit takes them as one batch. */
  const completeTogether = (tasks: readonly ClaimedTask[], worker: string) => Promise.all(tasks.map((t) => queue().complete(t, worker, { done: t.workflow_step_id })));
  const types = async (runId: string) => (await run(runId)).timeline.map((e: { type: string; data: { step_id?: string } }) => `${e.type}${e.data.step_id ? `:${e.data.step_id}` : ''}`);

  beforeAll(async () => {
    expect((await api('/api/workflows', { id: 'line', name: 'Line', steps: [echo('a'), echo('b')] })).status).toBe(201);
    expect((await api('/api/workflows', { id: 'fork', name: 'Fork', steps: [{ id: 'g', parallel: [echo('x'), echo('y')] }, echo('after')] })).status).toBe(201);
    expect((await api('/api/workflows', { id: 'inner', name: 'Inner', steps: [echo('i')] })).status).toBe(201);
    expect((await api('/api/workflows', { id: 'outer', name: 'Outer', steps: [echo('first'), { id: 'child', workflow: 'inner' }] })).status).toBe(201);
  });

  it('moves every run on once: straight lines, two branches of one run, and a run with a child workflow', async () => {
    const lines = [await start('line'), await start('line'), await start('line')];
    const fork = await start('fork');
    const outer = await start('outer');
    const first = await claimAll('w1');
    expect(first).toHaveLength(6); // a ×3, x, y, first
    expect(await completeTogether(first, 'w1')).toEqual(first.map(() => true));

    for (const id of lines) {
      expect(await stepOf(id, 'a')).toMatchObject({ status: 'succeeded', output: { done: 'a' } });
      expect(await stepOf(id, 'b')).toMatchObject({ status: 'running' });
      expect(await types(id)).toEqual(['SagaStarted', 'StepStarted:a', 'StepCompleted:a', 'StepStarted:b']);
    }
    // Both branches ended in this batch: the group closed once and its successor started once.
    expect(await stepOf(fork, 'g')).toMatchObject({ status: 'succeeded' });
    expect(await stepOf(fork, 'after')).toMatchObject({ status: 'running' });
    const forkTimeline = await types(fork);
    expect(forkTimeline.filter((t: string) => t === 'StepStarted:after')).toHaveLength(1);
    expect(forkTimeline.filter((t: string) => t === 'StepCompleted:g')).toHaveLength(1);
    // In the order it happened: both branches' ends, then the group's, then its successor's start.
    expect(forkTimeline.filter((t: string) => t.startsWith('StepCompleted:') || t === 'StepStarted:after').slice(2)).toEqual(['StepCompleted:g', 'StepStarted:after']);
    expect(forkTimeline.filter((t: string) => t.startsWith('StepCompleted:')).slice(0, 2).sort()).toEqual(['StepCompleted:x', 'StepCompleted:y']);
    expect(await stepOf(outer, 'child')).toMatchObject({ status: 'running', child_run_id: expect.any(String) });

    // The next batch: the lines' second steps, the fork's last, the child's only step.
    const second = await claimAll('w1');
    expect(second.map((t) => t.workflow_step_id).sort()).toEqual(['after', 'b', 'b', 'b', 'i']);
    expect(await completeTogether(second, 'w1')).toEqual(second.map(() => true));
    for (const id of [...lines, fork, outer]) expect((await run(id)).status).toBe('completed');
    for (const id of lines) {
      const steps = (await run(id)).steps as { id: string; completed_seq?: number }[];
      expect(steps.map((s) => s.id)).toEqual(['a', 'b']);
    }
    // One task per step, none left over.
    const { tasks } = await queue().list({ limit: 100, offset: 0 });
    expect(tasks.filter((t) => t.status !== 'succeeded')).toEqual([]);
    expect(new Set(tasks.map((t) => `${t.workflow_run_id}:${t.workflow_step_id}`)).size).toBe(tasks.length);
  });

  it('ends no step for a completion whose lease the worker does not hold, and the holder ends it', async () => {
    const id = await start('line');
    const [task] = await claimAll('w1');
    expect(task).toBeDefined();
    // Another worker's completion is fenced out: the task and its step stay running.
    expect(await completeTogether([task!], 'w2')).toEqual([false]);
    expect(await stepOf(id, 'a')).toMatchObject({ status: 'running' });
    expect((await queue().get(task!.id)).status).toBe('running');
    expect(await types(id)).toEqual(['SagaStarted', 'StepStarted:a']);
    expect(await completeTogether([task!], 'w1')).toEqual([true]);
    expect(await stepOf(id, 'a')).toMatchObject({ status: 'succeeded' });
    expect(await types(id)).toEqual(['SagaStarted', 'StepStarted:a', 'StepCompleted:a', 'StepStarted:b']);
  });
});
