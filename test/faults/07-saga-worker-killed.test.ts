// Scenario 7: a saga whose worker dies between a step's completion and the next step. The worker is
// killed with SIGKILL the moment the agent answers step 2 (so the kill lands around the completion
// transaction that also advances the saga). No step is lost; none succeeds twice; attempts never overlap.

import { createTestDatabase, type TestDatabase } from '../support/services';
import { startFakeAgent, type FakeAgent } from '../support/fake-agent';
import { waitUntil } from '../support/wait';
import { apiFor, baseEnv, describeWithServices, duplicatedCount, ProcessGroup, registerAgent, type Api } from './support/cluster';
import { recordRow } from './support/fault-table';
import type { StartedProcess } from '../support/processes';

const RUNS = 3;
const STEPS = 5;

describeWithServices('7. saga worker killed between steps', {}, () => {
  let db: TestDatabase;
  let agent: FakeAgent;
  const group = new ProcessGroup();

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await (await db.open()).close();
    agent = await startFakeAgent();
  });
  afterAll(async () => {
    group.killAll();
    await agent?.close();
    await db?.cleanup();
  });

  const finished = (api: Api, runId: string) =>
    waitUntil(
      async () => {
        const r = await api(`/api/workflow-runs/${runId}`);
        return ['completed', 'compensated', 'failed', 'cancelled'].includes(String(r.body?.status)) ? r.body! : undefined;
      },
      { what: `run ${runId} to finish`, timeoutMs: 60_000, intervalMs: 200 },
    );

  it('resumes every run at the next step, each step succeeding exactly once', async () => {
    const env = baseEnv(db.url, { CIRCUIT_FAILURE_THRESHOLD: '1000', WORKFLOWS_DIR: '/nonexistent/workflows', WORKER_POLL_INTERVAL_MS: '100' });
    const web = await group.web(env);
    const api = apiFor(() => web.url);
    await registerAgent(api, 'saga', agent);
    const steps = Array.from({ length: STEPS }, (_, i) => ({ id: `s${i + 1}`, agent_id: 'saga', action: `step-${i + 1}`, input: { n: i + 1 }, timeout_seconds: 10, max_attempts: 5 }));
    const created = await api('/api/workflows', { json: { id: 'five', name: 'Five steps', steps } });
    expect(created.status).toBe(201);

    await group.start('scheduler', env);
    let w1: StartedProcess | undefined;
    let killedAt = 0;
    agent.behave((call) => {
      // The first answer to step 2 is the moment of the crash: the worker is about to commit it.
      if (call.action === 'step-2' && killedAt === 0 && w1) {
        killedAt = Date.now();
        setTimeout(() => w1!.kill('SIGKILL'), 305); // just after the 300 ms answer below arrives
      }
      return { kind: 'ok', delayMs: 300, result: { step: call.action } };
    });
    w1 = await group.start('worker', env);
    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = await api('/api/workflows/five/runs', { json: { input: { run: i } } });
      expect(started.status).toBe(202);
      runIds.push(String(started.body!.run_id));
    }
    await w1.exited();
    expect(killedAt).toBeGreaterThan(0);
    await group.start('worker', env);

    let repeatedCalls = 0;
    for (const runId of runIds) {
      const run = (await finished(api, runId)) as { status: string; steps: { id: string; status: string; task_id: string }[] };
      expect(run.status).toBe('completed');
      expect(run.steps.map((s) => [s.id, s.status])).toEqual(steps.map((s) => [s.id, 'succeeded']));
      const tasks = await api(`/api/tasks?workflow_run_id=${runId}&limit=100`);
      expect(tasks.body!.total).toBe(STEPS);
      for (const step of run.steps) {
        const task = await api(`/api/tasks/${step.task_id}`);
        const log = task.body!.attempts_log as { attempt: number; outcome: string }[];
        const outcomes = log.map((a) => a.outcome);
        expect(outcomes.filter((o) => o === 'succeeded')).toHaveLength(1);
        // Every agent call belongs to an attempt the queue recorded, one call per attempt, and an
        // attempt before the last one is one the dead worker never committed (its lease expired).
        // The dead worker may have been leased its next step in the commit that finished the step
        // before, and died before calling the agent: that attempt is recorded with no call.
        const callAttempts = agent.calls.filter((c) => c.task_id === step.task_id).map((c) => c.attempt);
        expect(new Set(callAttempts).size).toBe(callAttempts.length);
        expect(callAttempts.every((n) => log.some((a) => a.attempt === n))).toBe(true);
        expect(callAttempts).toContain(log[log.length - 1]!.attempt);
        expect(outcomes.slice(0, -1).every((o) => o === 'lease_expired')).toBe(true);
        repeatedCalls += callAttempts.length - 1;
      }
    }
    const recoverMs = Date.now() - killedAt;
    expect(agent.overlaps).toEqual([]);

    recordRow({
      order: 7,
      scenario: `kill -9 the worker as step 2 of ${RUNS} five-step sagas completes`,
      submitted: RUNS * STEPS,
      succeeded: RUNS * STEPS,
      lost: 0,
      duplicated: duplicatedCount(agent),
      recoverMs,
      notes: `every run completed; one task and one succeeded attempt per step; ${repeatedCalls} agent calls repeated after lease expiry (attempts of the killed worker), none overlapping, none without a recorded attempt; recover = kill → all runs completed`,
    });
    const codes = await group.stopAll();
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});
