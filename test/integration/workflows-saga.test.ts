// Sagas through the REST API with the worker running, on each database: steps run in order over a
// real HTTP agent, failures compensate completed steps in reverse order, cancel compensates too.

import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { startInProcessStack, type InProcessStack } from '../support/in-process';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { waitUntil } from '../support/wait';

jest.setTimeout(60_000);

describeEachDatabase('workflow sagas', (kind) => {
  let db: TestDatabase;
  let stack: InProcessStack;
  let agent: FakeAgent;
  const finishedRuns: { id: string; status: string; metadata: Record<string, unknown> }[] = [];
  /** Runs heard by a hook registered for runs with metadata `listen: true` only. */
  const heardSelectively: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    await (await db.open()).close();
    agent = await startFakeAgent();
    stack = await startInProcessStack({
      DATABASE_URL: db.url,
      WORKER_POLL_INTERVAL_MS: '100',
      TASK_RETRY_BASE_MS: '20',
      TASK_RETRY_MAX_MS: '100',
      TASK_LEASE_SECONDS: '2',
      CIRCUIT_FAILURE_THRESHOLD: '1000',
      RATE_LIMIT_REQUESTS: '100000',
      WORKFLOWS_DIR: '/nonexistent/workflows',
    });
    stack.services.workflows!.onRunFinished(async (_trx, run) => {
      finishedRuns.push({ id: run.id, status: run.status, metadata: run.metadata });
    });
    stack.services.workflows!.onRunFinished(
      async (_trx, run) => {
        heardSelectively.push(run.id);
      },
      { when: (run) => run.metadata.listen === true },
    );
    const reg = await stack.api('/api/agents', {
      method: 'POST',
      json: { id: 'shop', name: 'Shop', capabilities: ['orders'], endpoint: agent.endpoint, version: '1', health_check_url: agent.healthUrl, metadata: {} },
    });
    expect(reg.status).toBe(201);
    // Actions tell the fake agent what to do: names ending in "-fail" always answer 500.
    agent.behave((call) => {
      if (call.action.endsWith('-fail')) return { kind: 'status', status: 500 };
      if (call.action.endsWith('reserve')) return { kind: 'ok', result: { total: 42, reservation: `r-${call.task_id.slice(0, 4)}` } };
      return { kind: 'ok', result: { done: call.action } };
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await agent?.close();
    await db?.cleanup();
  });

  const define = (def: unknown) => stack.api('/api/workflows', { method: 'POST', json: def });
  const start = (id: string, body: unknown) => stack.api(`/api/workflows/${id}/runs`, { method: 'POST', json: body });
  const finalRun = (runId: string, statuses: string[]) =>
    waitUntil(
      async () => {
        const r = await stack.api(`/api/workflow-runs/${runId}`);
        return statuses.includes(r.body.status) ? r.body : undefined;
      },
      { what: `run ${runId} to reach ${statuses.join('/')}`, timeoutMs: 30_000, intervalMs: 100 },
    );
  /** The fake agent's calls that belong to this run, as "action#attempt", in the order it saw them. */
  const callsOf = (run: { steps: { task_id: string | null; compensation_task_id: string | null }[] }) => {
    const ids = new Set(run.steps.flatMap((s) => [s.task_id, s.compensation_task_id]).filter(Boolean));
    return agent.calls.filter((c) => ids.has(c.task_id));
  };

  it('compensates completed steps in reverse order when a step fails for good', async () => {
    const def = await define({
      id: 'order',
      name: 'Place an order',
      steps: [
        { id: 'reserve', agent_id: 'shop', action: 'reserve', input: { order: '{{input.order}}' }, compensation_action: 'unreserve', timeout_seconds: 5 },
        { id: 'charge', agent_id: 'shop', action: 'charge', input: { amount: '{{steps.reserve.output.total}}' }, compensation_action: 'refund', timeout_seconds: 5 },
        { id: 'ship', agent_id: 'shop', action: 'ship-fail', compensation_action: 'unship', timeout_seconds: 5, max_attempts: 2 },
      ],
    });
    expect(def.status).toBe(201);
    expect((await define({ ...def.body.definition, name: 'Place an order (v2)' })).status).toBe(200);

    const started = await start('order', { input: { order: 'A-1' } });
    expect(started.status).toBe(202);
    const run = await finalRun(started.body.run_id, ['compensated', 'failed', 'completed']);

    expect(run).toMatchObject({ id: started.body.run_id, workflow_id: 'order', status: 'compensated', input: { order: 'A-1' } });
    expect(run.error).toContain('step ship failed');
    expect(run.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      ['reserve', 'compensated'],
      ['charge', 'compensated'],
      ['ship', 'failed'],
    ]);
    expect(run.steps[2].attempts).toBe(2);
    expect(callsOf(run).map((c) => `${c.action}#${c.attempt}`)).toEqual(['reserve#1', 'charge#1', 'ship-fail#1', 'ship-fail#2', 'refund#1', 'unreserve#1']);

    const refund = callsOf(run).find((c) => c.action === 'refund')!;
    expect(refund.input).toEqual({ step_id: 'charge', output: { done: 'charge' }, input: { order: 'A-1' } });

    expect(run.timeline.map((e: { type: string; data: { step_id?: string } }) => (e.data.step_id ? `${e.type}:${e.data.step_id}` : e.type))).toEqual([
      'SagaStarted',
      'StepStarted:reserve',
      'StepCompleted:reserve',
      'StepStarted:charge',
      'StepCompleted:charge',
      'StepStarted:ship',
      'StepFailed:ship',
      'CompensationStarted',
      'CompensationStepStarted:charge',
      'StepCompensated:charge',
      'CompensationStepStarted:reserve',
      'StepCompensated:reserve',
      'SagaCompensated',
    ]);
    for (const e of run.timeline) expect(e.saga_id).toBe(run.id);

    const listed = await stack.api('/api/workflow-runs?workflow_id=order&status=compensated');
    expect(listed.body.runs.map((r: { id: string }) => r.id)).toContain(run.id);
  });

  it('renders step inputs from the run input and earlier outputs', async () => {
    expect(
      (
        await define({
          id: 'templated',
          name: 'Templates',
          steps: [
            { id: 'first', agent_id: 'shop', action: 'reserve', input: { order: '{{input.order}}', tags: ['{{input.tag}}'] }, timeout_seconds: 5 },
            {
              id: 'second',
              agent_id: 'shop',
              action: 'charge',
              input: { amount: '{{steps.first.output.total}}', whole: '{{steps.first.output}}', text: 'order {{input.order}} costs {{steps.first.output.total}}', missing: '{{input.nope}}' },
              timeout_seconds: 5,
            },
          ],
        })
      ).status,
    ).toBe(201);
    const started = await start('templated', { input: { order: { no: 7 }, tag: 'x' } });
    const run = await finalRun(started.body.run_id, ['completed', 'compensated', 'failed']);
    expect(run.status).toBe('completed');
    expect(run.timeline.at(-1).type).toBe('SagaCompleted');
    const [first, second] = callsOf(run);
    expect(first.input).toEqual({ order: { no: 7 }, tags: ['x'] });
    expect(second.input).toEqual({ amount: 42, whole: run.steps[0].output, text: 'order {"no":7} costs 42', missing: null });
    expect(run.steps[1].output).toEqual({ done: 'charge' });
  });

  it('keeps compensating after a compensation fails for good, and ends the run failed with the reason', async () => {
    expect(
      (
        await define({
          id: 'bad-undo',
          name: 'A compensation that fails',
          steps: [
            { id: 'a', agent_id: 'shop', action: 'a', compensation_action: 'undo-a', timeout_seconds: 5 },
            { id: 'b', agent_id: 'shop', action: 'b', compensation_action: 'undo-b-fail', timeout_seconds: 5, max_attempts: 2 },
            { id: 'c', agent_id: 'shop', action: 'c-fail', timeout_seconds: 5, max_attempts: 1 },
          ],
        })
      ).status,
    ).toBe(201);
    const started = await start('bad-undo', { input: {} });
    const run = await finalRun(started.body.run_id, ['compensated', 'failed', 'completed']);
    expect(run.status).toBe('failed');
    expect(run.error).toContain('step c failed');
    expect(run.error).toContain('compensation of step b failed');
    expect(run.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      ['a', 'compensated'],
      ['b', 'compensation_failed'],
      ['c', 'failed'],
    ]);
    expect(callsOf(run).map((c) => `${c.action}#${c.attempt}`)).toEqual(['a#1', 'b#1', 'c-fail#1', 'undo-b-fail#1', 'undo-b-fail#2', 'undo-a#1']);
    expect(run.timeline.map((e: { type: string }) => e.type)).toContain('CompensationFailed');
    expect(run.timeline.at(-1).type).toBe('SagaFailed');
  });

  it('returns the same run for a repeated idempotency key, 404 for an unknown workflow', async () => {
    const first = await start('templated', { input: { order: 1 }, idempotency_key: 'once-1' });
    const again = await start('templated', { input: { order: 2 }, idempotency_key: 'once-1' });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body.run_id).toBe(first.body.run_id);
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => start('templated', { input: {}, idempotency_key: 'race-1' })));
    expect(new Set(concurrent.map((r) => r.body.run_id)).size).toBe(1);
    expect(concurrent.filter((r) => r.status === 202)).toHaveLength(1);

    const missing = await start('nobody', { input: {} });
    expect(missing.status).toBe(404);
    const missingKeyed = await start('nobody', { input: {}, idempotency_key: 'once-1' });
    expect(missingKeyed.status).toBe(404);
    expect((await stack.api('/api/workflows/nobody')).status).toBe(404);
    expect((await stack.api('/api/workflow-runs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('refuses bad definitions and bad run requests with a 400 and stores nothing', async () => {
    const workflowsBefore = (await stack.api('/api/workflows')).body.total;
    const runsBefore = (await stack.api('/api/workflow-runs?limit=1')).body.total;
    const step = { id: 's', agent_id: 'echo', action: 'echo', timeout_seconds: 5 };

    const unknown = await define({ id: 'ghost', name: 'Ghost', steps: [step, { ...step, id: 't', agent_id: 'ghost-agent', compensation_agent_id: 'ghost-undo' }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('ghost-agent');
    expect(unknown.body.error.details.unknown_agents).toEqual(['ghost-agent', 'ghost-undo']);

    const bad: unknown[] = [
      { id: 'x', name: 'No steps', steps: [] },
      { id: 'x', name: 'Duplicate ids', steps: [step, step] },
      { id: 'x', name: 'No timeout', steps: [{ id: 's', agent_id: 'echo', action: 'echo' }] },
      { id: 'x', name: 'Bad cron', steps: [step], schedule: 'every tuesday' },
      { id: 'x', name: 'Extra', steps: [step], surprise: 1 },
      { id: 'x', name: 'Orphan compensation', steps: [step], compensations: { nope: { agent_id: 'echo', action: 'undo' } } },
      { id: 'x', name: 'Too many', steps: Array.from({ length: 51 }, (_, i) => ({ ...step, id: `s${i}` })) },
      [1, 2],
    ];
    for (const body of bad) {
      const res = await define(body);
      expect([res.status, JSON.stringify(body).slice(0, 60)]).toEqual([400, JSON.stringify(body).slice(0, 60)]);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await stack.api('/api/workflows')).body.total).toBe(workflowsBefore);

    expect((await start('templated', { input: {}, surprise: true })).status).toBe(400);
    expect((await start('templated', { idempotency_key: '' })).status).toBe(400);
    expect((await stack.api('/api/workflow-runs?status=sleeping')).status).toBe(400);
    expect((await stack.api('/api/workflow-runs?limit=1')).body.total).toBe(runsBefore);
  });

  it('accepts the seed\'s compensations map and a cron schedule', async () => {
    const res = await define({
      id: 'seed-shape',
      name: 'Seed shape',
      schedule: '0 3 * * *',
      steps: [{ id: 's', agent_id: 'echo', action: 'echo', timeout_seconds: 5 }],
      compensations: { s: { agent_id: 'shop', action: 'undo-s' } },
    });
    expect(res.status).toBe(201);
    const got = await stack.api('/api/workflows/seed-shape');
    expect(got.body.definition.steps[0]).toMatchObject({ compensation_agent_id: 'shop', compensation_action: 'undo-s' });
    expect(got.body.definition.schedule).toBe('0 3 * * *');
  });

  it('cancels a run mid-way: the running step stops, completed steps are compensated, the run ends cancelled', async () => {
    expect(
      (
        await define({
          id: 'slow',
          name: 'Slow',
          steps: [
            { id: 'one', agent_id: 'echo', action: 'echo', input: { n: 1 }, compensation_agent_id: 'shop', compensation_action: 'undo-one', timeout_seconds: 5 },
            { id: 'two', agent_id: 'echo', action: 'sleep', input: { ms: 60_000 }, compensation_agent_id: 'shop', compensation_action: 'undo-two', timeout_seconds: 120 },
            { id: 'three', agent_id: 'echo', action: 'echo', timeout_seconds: 5 },
          ],
        })
      ).status,
    ).toBe(201);
    const started = await start('slow', { input: {} });
    const runId = started.body.run_id;
    await waitUntil(
      async () => {
        const r = await stack.api(`/api/workflow-runs/${runId}`);
        if (r.body.steps[1].status !== 'running') return undefined;
        const task = await stack.api(`/api/tasks/${r.body.steps[1].task_id}`);
        return task.body.status === 'running';
      },
      { what: 'step two running', timeoutMs: 15_000 },
    );
    const cancel = await stack.api(`/api/workflow-runs/${runId}/cancel`, { method: 'POST' });
    expect(cancel.status).toBe(202);
    const run = await finalRun(runId, ['cancelled', 'compensated', 'failed', 'completed']);
    expect(run.status).toBe('cancelled');
    expect(run.steps.map((s: { id: string; status: string }) => [s.id, s.status])).toEqual([
      ['one', 'compensated'],
      ['two', 'cancelled'],
      ['three', 'pending'],
    ]);
    expect((await stack.api(`/api/tasks/${run.steps[1].task_id}`)).body.status).toBe('cancelled');
    expect(callsOf(run).map((c) => c.action)).toEqual(['undo-one']);
    expect(run.timeline.at(-1).type).toBe('SagaCancelled');
    expect((await stack.api(`/api/workflow-runs/${runId}/cancel`, { method: 'POST' })).status).toBe(409);
  });

  it('lets other modules start runs with metadata and hear when they finish', async () => {
    const { run, created } = await stack.services.workflows!.startRun('templated', { order: 'm-1' }, { metadata: { profile_id: 'p-1', tier: 'gold' }, idempotencyKey: 'module-1' });
    expect(created).toBe(true);
    const done = await finalRun(run.id, ['completed', 'compensated', 'failed']);
    expect(done).toMatchObject({ status: 'completed', metadata: { profile_id: 'p-1', tier: 'gold' } });
    expect(finishedRuns.filter((r) => r.id === run.id)).toEqual([{ id: run.id, status: 'completed', metadata: { profile_id: 'p-1', tier: 'gold' } }]);
    expect((await stack.services.workflows!.startRun('templated', {}, { idempotencyKey: 'module-1' })).run.id).toBe(run.id);
  });

  it('calls a hook registered with `when` only for the runs it accepts', async () => {
    const workflows = stack.services.workflows!;
    const heard = (await workflows.startRun('templated', { order: 'w-1' }, { metadata: { listen: true } })).run;
    const ignored = (await workflows.startRun('templated', { order: 'w-2' }, { metadata: { listen: false } })).run;
    await finalRun(heard.id, ['completed']);
    await finalRun(ignored.id, ['completed']);
    // Both finished, and the unconditional hook heard both; the selective one only the first.
    expect(finishedRuns.map((r) => r.id)).toEqual(expect.arrayContaining([heard.id, ignored.id]));
    expect(heardSelectively).toContain(heard.id);
    expect(heardSelectively).not.toContain(ignored.id);
  });
});
