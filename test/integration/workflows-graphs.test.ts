// Workflows that branch and wait, through the REST API with worker and scheduler running, on each
// database: parallel groups (and their compensation), conditions, durable sleeps, waits for events,
// child workflows, per-step deadlines, versioned definitions and bad definitions.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessStack, type InProcessStack } from '../support/in-process';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { waitUntil } from '../support/wait';

jest.setTimeout(90_000);

type StepView = { id: string; kind: string; parent_id: string | null; status: string; task_id: string | null; compensation_task_id: string | null; child_run_id: string | null; deadline: string | null; waiting_for: string | null; output: unknown; error: string | null };
type RunBody = { id: string; status: string; error: string | null; output: unknown; steps: StepView[]; timeline: { type: string; data: Record<string, unknown> }[] };

describeEachDatabase('workflow graphs', (kind) => {
  let db: TestDatabase;
  let stack: InProcessStack;
  let agent: FakeAgent;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    agent = await startFakeAgent();
    stack = await startInProcessStack({
      DATABASE_URL: db.url,
      WORKER_POLL_INTERVAL_MS: '100',
      WORKER_CONCURRENCY: '20',
      AGENT_DEFAULT_MAX_CONCURRENT_TASKS: '50',
      TASK_RETRY_BASE_MS: '20',
      TASK_RETRY_MAX_MS: '100',
      TASK_LEASE_SECONDS: '2',
      CIRCUIT_FAILURE_THRESHOLD: '1000',
      RATE_LIMIT_REQUESTS: '100000',
      WORKFLOW_TIMER_INTERVAL: '1s',
      WORKFLOWS_DIR: '/nonexistent/workflows',
    });
    const reg = await stack.api('/api/agents', {
      method: 'POST',
      json: { id: 'shop', name: 'Shop', capabilities: ['orders'], endpoint: agent.endpoint, version: '1', health_check_url: agent.healthUrl, metadata: {} },
    });
    expect(reg.status).toBe(201);
    // Actions tell the fake agent what to do: "-fail" answers 500, "slow-" takes 1.5 s, "count" answers a count.
    agent.behave((call) => {
      if (call.action.endsWith('-fail')) return { kind: 'status', status: 500, delayMs: call.action.startsWith('slow-') ? 1500 : 0 };
      if (call.action === 'count') return { kind: 'ok', result: { count: (call.input as { n?: number }).n ?? 0 } };
      return { kind: 'ok', delayMs: call.action.startsWith('slow-') ? 1500 : 0, result: { done: call.action, input: call.input } };
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await agent?.close();
    await db?.cleanup();
  });

  const define = (def: unknown) => stack.api('/api/workflows', { method: 'POST', json: def });
  const start = async (id: string, input: unknown = {}) => {
    const r = await stack.api(`/api/workflows/${id}/runs`, { method: 'POST', json: { input } });
    expect(r.status).toBe(202);
    return r.body.run_id as string;
  };
  const getRun = async (runId: string): Promise<RunBody> => (await stack.api(`/api/workflow-runs/${runId}`)).body;
  const finalRun = (runId: string, timeoutMs = 30_000) =>
    waitUntil(
      async () => {
        const r = await getRun(runId);
        return ['completed', 'compensated', 'failed', 'cancelled'].includes(r.status) ? r : undefined;
      },
      { what: `run ${runId} to finish`, timeoutMs, intervalMs: 100 },
    );
  const statuses = (run: RunBody) => Object.fromEntries(run.steps.map((s) => [s.id, s.status]));
  const step = (run: RunBody, id: string) => run.steps.find((s) => s.id === id)!;
  const actionsOf = (run: RunBody) => {
    const ids = new Set(run.steps.flatMap((s) => [s.task_id, s.compensation_task_id]).filter(Boolean));
    return agent.calls.filter((c) => ids.has(c.task_id)).map((c) => c.action);
  };
  const ok = (id: string, action: string, extra: Record<string, unknown> = {}) => ({ id, agent_id: 'shop', action, timeout_seconds: 20, ...extra });

  it('runs parallel branches side by side and gives later steps their outputs by step id', async () => {
    expect(
      (
        await define({
          id: 'fan-out',
          name: 'Fan out',
          steps: [
            ok('first', 'first'),
            {
              id: 'group',
              parallel: [ok('left', 'slow-left', { input: { from: '{{steps.first.output.done}}' } }), ok('middle', 'slow-middle'), { id: 'right', steps: [ok('r1', 'r1'), ok('r2', 'r2', { input: { prev: '{{steps.r1.output.done}}' } })] }],
            },
            ok('last', 'last', { input: { left: '{{steps.left.output.done}}', right: '{{steps.right.output.done}}', group: '{{steps.group.output}}' } }),
          ],
        })
      ).status,
    ).toBe(201);
    const run = await finalRun(await start('fan-out'));
    expect(run.status).toBe('completed');
    // The two 1.5 s branches were called side by side, not one after the other.
    const [left, middle] = ['left', 'middle'].map((id) => agent.calls.find((c) => c.task_id === step(run, id).task_id)!);
    expect(Math.abs(left!.at - middle!.at)).toBeLessThan(1400);
    expect(statuses(run)).toEqual({ first: 'succeeded', group: 'succeeded', left: 'succeeded', middle: 'succeeded', right: 'succeeded', r1: 'succeeded', r2: 'succeeded', last: 'succeeded' });
    expect(step(run, 'left').parent_id).toBe('group');
    expect(step(run, 'r1').parent_id).toBe('right');
    expect(step(run, 'group').kind).toBe('parallel');
    const last = agent.calls.find((c) => c.task_id === step(run, 'last').task_id)!;
    expect(last.input).toMatchObject({ left: 'slow-left', right: 'r2' });
    expect((last.input as { group: Record<string, unknown> }).group).toEqual({
      left: { done: 'slow-left', input: { from: 'first' } },
      middle: { done: 'slow-middle', input: {} },
      right: { done: 'r2', input: { prev: 'r1' } },
    });
    expect(run.output).toEqual({ done: 'last', input: last.input });
  });

  it('cancels running branches and compensates every completed step of every branch when one fails, in reverse completion order', async () => {
    expect(
      (
        await define({
          id: 'fan-fail',
          name: 'Fan out and fail',
          steps: [
            ok('book', 'book', { compensation_action: 'unbook' }),
            {
              id: 'group',
              parallel: [
                { id: 'a', steps: [ok('a1', 'a1', { compensation_action: 'undo-a1' }), ok('a2', 'a2', { compensation_action: 'undo-a2' })] },
                ok('b', 'slow-b-fail', { max_attempts: 1, compensation_action: 'undo-b' }),
                ok('c', 'slow-hold', { compensation_action: 'undo-c', input: { ms: 1 } }),
              ],
            },
            ok('never', 'never'),
          ],
        })
      ).status,
    ).toBe(201);
    const run = await finalRun(await start('fan-fail'));
    expect(run.status).toBe('compensated');
    expect(run.error).toContain('step b failed');
    const s = statuses(run);
    expect(s).toMatchObject({ book: 'compensated', a1: 'compensated', a2: 'compensated', b: 'failed', never: 'pending', group: 'failed' });
    // c was running when b failed: it was asked to stop; it finished anyway (then it is undone) or stopped.
    expect(['compensated', 'cancelled']).toContain(s.c);
    const undo = actionsOf(run).filter((a) => a.startsWith('undo') || a === 'unbook');
    expect(undo.at(-1)).toBe('unbook');
    expect(undo.indexOf('undo-a2')).toBeLessThan(undo.indexOf('undo-a1'));
    expect(undo).not.toContain('undo-b');
    expect(actionsOf(run)).not.toContain('never');
    const types = run.timeline.map((e) => e.type);
    expect(types).toContain('CompensationStarted');
    expect(types.at(-1)).toBe('SagaCompensated');
  });

  it('skips a step whose condition does not hold and runs one whose condition does', async () => {
    expect(
      (
        await define({
          id: 'branchy',
          name: 'Conditions',
          steps: [
            ok('filter', 'count', { input: { n: '{{input.n}}' } }),
            ok('analyze', 'analyze', { when: '{{steps.filter.output.count}} > 0' }),
            ok('report-empty', 'report-empty', { when: '{{steps.filter.output.count}} == 0 || {{input.force}} == true' }),
          ],
        })
      ).status,
    ).toBe(201);
    const some = await finalRun(await start('branchy', { n: 3 }));
    expect(statuses(some)).toEqual({ filter: 'succeeded', analyze: 'succeeded', 'report-empty': 'skipped' });
    expect(some.timeline.map((e) => e.type)).toContain('StepSkipped');
    const none = await finalRun(await start('branchy', { n: 0 }));
    expect(none.status).toBe('completed');
    expect(statuses(none)).toEqual({ filter: 'succeeded', analyze: 'skipped', 'report-empty': 'succeeded' });
  });

  it('sleeps durably without a task, then goes on', async () => {
    expect((await define({ id: 'nap', name: 'Nap', steps: [ok('before', 'before'), { id: 'nap', sleep: '2s' }, ok('after', 'after')] })).status).toBe(201);
    const runId = await start('nap');
    const parked = await waitUntil(async () => {
      const r = await getRun(runId);
      return step(r, 'nap').status === 'waiting' ? r : undefined;
    });
    expect(step(parked, 'nap').task_id).toBeNull();
    expect(Date.parse(step(parked, 'nap').deadline!)).toBeGreaterThan(Date.now());
    const run = await finalRun(runId);
    expect(statuses(run)).toEqual({ before: 'succeeded', nap: 'succeeded', after: 'succeeded' });
    const waiting = run.timeline.find((e) => e.type === 'StepWaiting')!;
    expect(waiting.data).toMatchObject({ step_id: 'nap', kind: 'sleep' });
  });

  it('waits for a matching event appended through POST /api/events, and fails (compensating) when none comes in time', async () => {
    expect(
      (
        await define({
          id: 'approval',
          name: 'Approval',
          steps: [
            ok('ask', 'ask', { compensation_action: 'unask' }),
            { id: 'approved', wait_for_event: { type: 'order.approved', match: { 'data.order': '{{input.order}}' }, timeout: '3s' } },
            ok('ship', 'ship', { input: { by: '{{steps.approved.output.data.by}}' } }),
          ],
        })
      ).status,
    ).toBe(201);
    const runId = await start('approval', { order: 'o-1' });
    await waitUntil(async () => step(await getRun(runId), 'approved').status === 'waiting');
    // An event for another order does not count; the matching one does.
    expect((await stack.api('/api/events', { method: 'POST', json: { type: 'order.approved', data: { order: 'o-2', by: 'x' } } })).status).toBe(201);
    const posted = await stack.api('/api/events', { method: 'POST', json: { type: 'order.approved', aggregate_id: 'o-1', data: { order: 'o-1', by: 'ana' } } });
    expect(posted.status).toBe(201);
    const run = await finalRun(runId);
    expect(run.status).toBe('completed');
    expect(step(run, 'approved').output).toMatchObject({ type: 'order.approved', aggregate_id: 'o-1', data: { order: 'o-1', by: 'ana' } });
    expect(agent.calls.find((c) => c.task_id === step(run, 'ship').task_id)!.input).toEqual({ by: 'ana' });

    const late = await finalRun(await start('approval', { order: 'o-9' }));
    expect(late.status).toBe('compensated');
    expect(statuses(late)).toMatchObject({ ask: 'compensated', approved: 'failed', ship: 'pending' });
    expect(step(late, 'approved').error).toContain('no order.approved event within 3s');
  });

  it('runs a child workflow as a step, completing with its result; cancelling the parent cancels the child', async () => {
    expect((await define({ id: 'child', name: 'Child', steps: [ok('c1', 'c1'), { id: 'pause', sleep: '1s' }, ok('c2', 'c2', { input: { x: '{{input.x}}' } })] })).status).toBe(201);
    expect((await define({ id: 'parent', name: 'Parent', steps: [{ id: 'sub', workflow: 'child', input: { x: '{{input.x}}' } }, ok('use', 'use', { input: { got: '{{steps.sub.output.input.x}}' } })] })).status).toBe(201);
    const run = await finalRun(await start('parent', { x: 7 }));
    expect(run.status).toBe('completed');
    const childId = step(run, 'sub').child_run_id!;
    const child = await getRun(childId);
    expect(child).toMatchObject({ status: 'completed', output: { done: 'c2', input: { x: 7 } } });
    expect(step(run, 'sub').output).toEqual({ done: 'c2', input: { x: 7 } });
    expect(agent.calls.find((c) => c.task_id === step(run, 'use').task_id)!.input).toEqual({ got: 7 });
    const children = await stack.api(`/api/workflow-runs?parent_run_id=${run.id}`);
    expect(children.body.runs.map((r: { id: string }) => r.id)).toEqual([childId]);

    // Cancel while the child sleeps.
    const runId = await start('parent', { x: 1 });
    const parked = await waitUntil(async () => {
      const r = await getRun(runId);
      const id = step(r, 'sub').child_run_id;
      if (!id) return undefined;
      return step(await getRun(id), 'pause').status === 'waiting' ? id : undefined;
    });
    expect((await stack.api(`/api/workflow-runs/${runId}/cancel`, { method: 'POST' })).status).toBe(202);
    const cancelled = await finalRun(runId);
    expect(cancelled.status).toBe('cancelled');
    expect((await finalRun(parked)).status).toBe('cancelled');
    expect(step(cancelled, 'sub').status).toBe('cancelled');
  });

  it('fails a step whose timeout_seconds runs out across its retries', async () => {
    expect(
      (
        await define({
          id: 'deadline',
          name: 'Deadline',
          steps: [ok('try', 'slow-keeps-fail', { timeout_seconds: 2, retry: { max_attempts: 50, backoff_seconds: 0.05 } })],
        })
      ).status,
    ).toBe(201);
    const t0 = Date.now();
    const run = await finalRun(await start('deadline'));
    expect(run.status).toBe('compensated');
    expect(step(run, 'try').error).toContain('step timed out after 2s');
    expect(Date.now() - t0).toBeLessThan(20_000);
    // Its task was told to stop and ends without another attempt.
    const task = await waitUntil(async () => {
      const t = (await stack.api(`/api/tasks/${step(run, 'try').task_id}`)).body;
      return ['cancelled', 'failed'].includes(t.status) ? t : undefined;
    });
    expect(task.attempts).toBeLessThan(5);
  });

  it('retries a step by its own policy: its attempts and its back-off', async () => {
    expect((await define({ id: 'patient', name: 'Patient', steps: [ok('flaky', 'patient-fail', { retry: { max_attempts: 3, backoff_seconds: 0.8, max_backoff_seconds: 1 } })] })).status).toBe(201);
    const run = await finalRun(await start('patient'));
    expect(run.status).toBe('compensated');
    const calls = agent.calls.filter((c) => c.task_id === step(run, 'flaky').task_id);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    // Equal jitter waits at least half the back-off: 0.4 s, then 0.5 s (capped at 1 s).
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(400);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(500);
  });

  it('keeps versions: a run in flight finishes on the version it started with', async () => {
    expect((await define({ id: 'versioned', name: 'V1', steps: [{ id: 'wait', sleep: '1s' }, ok('v', 'v1')] })).status).toBe(201);
    const runId = await start('versioned');
    const v2 = await define({ id: 'versioned', name: 'V2', steps: [{ id: 'wait', sleep: '1s' }, ok('v', 'v2')] });
    expect(v2.status).toBe(200);
    expect(v2.body.version).toBe(2);
    // The same definition again adds no version.
    expect((await define({ id: 'versioned', name: 'V2', steps: [{ id: 'wait', sleep: '1s' }, ok('v', 'v2')] })).body.version).toBe(2);
    const old = await finalRun(runId);
    expect(actionsOf(old)).toEqual(['v1']);
    expect((await stack.api(`/api/workflow-runs/${runId}`)).body.workflow_version).toBe(1);
    const fresh = await finalRun(await start('versioned'));
    expect(actionsOf(fresh)).toEqual(['v2']);
    const wf = await stack.api('/api/workflows/versioned');
    expect(wf.body.version).toBe(2);
    expect(wf.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const first = await stack.api('/api/workflows/versioned/versions/1');
    expect(first.body.definition.name).toBe('V1');
    expect((await stack.api('/api/workflows/versioned/versions/9')).status).toBe(404);
    expect((await stack.api('/api/workflows/versioned/versions/zero')).status).toBe(400);
  });

  it('completes 50 concurrent runs of three parallel branches each', async () => {
    // Steps get ample time: a step's deadline counts its time in the queue, which a loaded machine stretches.
    const roomy = (id: string) => ok(id, id, { timeout_seconds: 600 });
    expect((await define({ id: 'wide', name: 'Wide', steps: [{ id: 'g', parallel: [roomy('x'), roomy('y'), roomy('z')] }, roomy('join')] })).status).toBe(201);
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => start('wide', { i })));
    const runs = await Promise.all(ids.map((id) => finalRun(id, 60_000)));
    expect(runs.map((r) => r.status)).toEqual(ids.map(() => 'completed'));
    for (const r of runs) expect(actionsOf(r).sort()).toEqual(['join', 'x', 'y', 'z']);
  });

  it.each([
    ['a cycle (a step reads a later step)', { steps: [ok('a', 'a', { input: { v: '{{steps.b.output}}' } }), ok('b', 'b')] }, 'does not finish before "a" starts'],
    ['a branch reading its sibling', { steps: [{ id: 'g', parallel: [ok('a', 'a'), ok('b', 'b', { input: '{{steps.a.output}}' })] }] }, 'reads steps.a'],
    ['an unknown step id in a template', { steps: [ok('a', 'a', { input: '{{steps.nope.output}}' })] }, 'steps.nope, which is not a step'],
    ['an unknown step id in a condition', { steps: [ok('a', 'a', { when: '{{steps.ghost.output.n}} > 1' })] }, 'steps.ghost'],
    ['an unknown agent', { steps: [{ id: 'a', agent_id: 'no-such-agent', action: 'x', timeout_seconds: 5 }] }, 'unknown agents: no-such-agent'],
    ['a group with no branches', { steps: [{ id: 'g', parallel: [] }] }, 'parallel group "g" has no branches'],
    ['a step that is two kinds', { steps: [{ id: 'a', sleep: '1s', agent_id: 'shop', action: 'x', timeout_seconds: 5 }] }, 'a step does one thing'],
    ['a bad duration', { steps: [{ id: 'a', sleep: 'soon' }] }, 'sleep "soon" is not a duration'],
    ['a bad condition', { steps: [ok('a', 'a', { when: '{{input.x}} >' })] }, 'condition'],
    ['an unknown child workflow', { steps: [{ id: 'a', workflow: 'nowhere' }] }, 'unknown workflows: nowhere'],
    ['a workflow that starts itself', { steps: [{ id: 'a', workflow: 'bad' }] }, 'a cycle'],
  ])('refuses %s with 400 naming the problem, storing nothing', async (_what, body, message) => {
    const r = await define({ id: 'bad', name: 'Bad', ...body });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain(message);
    expect((await stack.api('/api/workflows/bad')).status).toBe(404);
  });

  it('refuses a malformed event with 400 and appends nothing', async () => {
    const before = (await stack.api('/api/events?limit=1000')).body.events.length;
    for (const json of [{ data: {} }, { type: 'x y', data: {} }, { type: 'ok', data: 'not-an-object' }, { type: 'ok', extra: 1 }]) {
      expect((await stack.api('/api/events', { method: 'POST', json })).status).toBe(400);
    }
    const malformed = await stack.api('/api/events', { method: 'POST', body: '{"type":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect((await stack.api('/api/events?limit=1000')).body.events.length).toBe(before);
    const conflict = await stack.api('/api/events', { method: 'POST', json: { type: 'ok', aggregate_id: 'fixed', expected_version: 5, data: {} } });
    expect(conflict.status).toBe(409);
  });
});
