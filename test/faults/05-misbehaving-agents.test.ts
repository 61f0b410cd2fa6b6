// Scenario 5: agents that hang, close the connection, answer 200 with non-JSON, or answer past their
// timeout. Each task is retried, then fails with a clear last_error; the agent's breaker opens, and
// work submitted while it is open waits in the queue without burning attempts.

import { createTestDatabase, type TestDatabase } from '../support/services';
import { startFakeAgent, type Behaviour, type FakeAgent } from '../support/fake-agent';
import { sleep, waitUntil } from '../support/wait';
import { apiFor, baseEnv, describeWithServices, duplicatedCount, ProcessGroup, registerAgent } from './support/cluster';
import { recordRow } from './support/fault-table';

const CASES: { id: string; behaviour: Behaviour; error: RegExp }[] = [
  { id: 'hangs', behaviour: { kind: 'hang' }, error: /tim(ed|e) ?out/i },
  { id: 'closes', behaviour: { kind: 'close' }, error: /unreachable|socket|closed|ECONNRESET/i },
  { id: 'not_json', behaviour: { kind: 'not-json' }, error: /not JSON/i },
  { id: 'too_slow', behaviour: { kind: 'ok', delayMs: 3000 }, error: /tim(ed|e) ?out/i },
];

describeWithServices('5. agents that misbehave', {}, () => {
  let db: TestDatabase;
  const agents = new Map<string, FakeAgent>();
  const group = new ProcessGroup();

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await (await db.open()).close();
    for (const c of CASES) {
      const agent = await startFakeAgent();
      agent.behave(() => c.behaviour);
      agents.set(c.id, agent);
    }
  });
  afterAll(async () => {
    group.killAll();
    for (const a of agents.values()) await a.close();
    await db?.cleanup();
  });

  it('retries, then fails each task with a clear last_error and opens the breaker', async () => {
    const perAgent: Record<string, string> = {};
    for (const c of CASES) {
      const prefix = `AGENT_${c.id.toUpperCase()}`;
      perAgent[`${prefix}_TIMEOUT_SECONDS`] = '1';
      perAgent[`${prefix}_MAX_ATTEMPTS`] = '2';
      perAgent[`${prefix}_CIRCUIT_FAILURE_THRESHOLD`] = '2';
      perAgent[`${prefix}_CIRCUIT_RECOVERY_TIMEOUT_SECONDS`] = '600';
    }
    const env = baseEnv(db.url, perAgent);
    const web = await group.web(env);
    const api = apiFor(() => web.url);
    for (const c of CASES) await registerAgent(api, c.id, agents.get(c.id)!);
    await group.start('worker', env);

    const first = new Map<string, string>();
    for (const c of CASES) {
      const r = await api(`/api/agents/${c.id}/execute`, { json: { action: 'work', input: {} } });
      expect(r.status).toBe(202);
      first.set(c.id, String(r.body!.task_id));
    }
    const finalTasks = new Map<string, Record<string, unknown>>();
    for (const c of CASES) {
      const t = await waitUntil(
        async () => {
          const r = await api(`/api/tasks/${first.get(c.id)}`);
          return r.body?.status === 'failed' ? r.body : undefined;
        },
        { what: `task on ${c.id} failed`, timeoutMs: 30_000, intervalMs: 200 },
      );
      finalTasks.set(c.id, t);
      expect(t).toMatchObject({ status: 'failed', attempts: 2 });
      expect(String(t.last_error)).toMatch(c.error);
      expect(agents.get(c.id)!.calls).toHaveLength(2);
      const view = await api(`/api/agents/${c.id}`);
      expect(view.body).toMatchObject({ circuit_breaker: { state: 'open' } });
    }

    // While the breaker is open, new work waits: queued, no attempt burned, no agent call.
    const waiting = new Map<string, string>();
    for (const c of CASES) {
      const r = await api(`/api/agents/${c.id}/execute`, { json: { action: 'work', input: { later: true } } });
      expect(r.status).toBe(202);
      waiting.set(c.id, String(r.body!.task_id));
    }
    await sleep(1500);
    for (const c of CASES) {
      expect((await api(`/api/tasks/${waiting.get(c.id)}`)).body).toMatchObject({ status: 'queued', attempts: 0 });
      expect(agents.get(c.id)!.calls).toHaveLength(2);
    }
    const duplicated = [...agents.values()].reduce((n, a) => n + duplicatedCount(a), 0);
    expect(duplicated).toBe(0);

    recordRow({
      order: 5,
      scenario: 'agents that hang / close / answer non-JSON / answer after their 1 s timeout',
      submitted: CASES.length * 2,
      succeeded: 0,
      lost: 0,
      duplicated,
      recoverMs: null,
      notes:
        'each first task: 2 attempts, then failed with last_error ' +
        CASES.map((c) => `${c.id}: "${String(finalTasks.get(c.id)!.last_error).slice(0, 60)}"`).join('; ') +
        '; breaker open; tasks submitted while open stay queued with 0 attempts',
    });
    const codes = await group.stopAll();
    expect(codes.every((c) => c === 0)).toBe(true);
  });
});
