// The queue's claim and completion on the real databases: claims walk past agents that cannot take
// more work, and completions that arrive together commit together while each keeps its own answer.

import type { AgentSettings } from '../../src/config';
import { createBreakerStore } from '../../src/modules/agents/breaker-store';
import type { CompletionAnswer } from '../../src/modules/tasks/completion';
import { createTaskQueue, type ClaimedTask, type TaskQueue, type TaskQueueOptions } from '../../src/modules/tasks/task-queue';
import { advisoryLockKey, type DatabaseHandle } from '../../src/platform/db';
import { sql } from 'kysely';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';

const defaults: AgentSettings = { maxConcurrentTasks: 100, timeoutSeconds: 30, maxAttempts: 3, circuitFailureThreshold: 5, circuitRecoveryTimeoutSeconds: 30 };

describeEachDatabase('task queue claims and completions', (kind) => {
  let db: TestDatabase;
  let handle: DatabaseHandle;
  let limits: Record<string, Partial<AgentSettings>>;
  let queue: TaskQueue;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    handle = await db.open();
  });
  afterAll(async () => {
    await db?.cleanup();
  });
  /** Holds a Postgres advisory lock in a transaction of its own until the returned function is called. */
  async function holdAdvisoryLock(name: string): Promise<() => Promise<void>> {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = handle.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${advisoryLockKey(name)})`.execute(trx);
      locked();
      await released;
    });
    await isLocked;
    return async () => {
      release();
      await holder;
    };
  }

  beforeEach(async () => {
    await handle.db.deleteFrom('task_attempts').execute();
    await handle.db.deleteFrom('tasks').execute();
    await handle.db.deleteFrom('circuit_breakers').execute();
    limits = {};
    queue = newQueue();
  });

  function newQueue(extra: Partial<TaskQueueOptions> = {}): TaskQueue {
    return createTaskQueue({
      database: handle,
      breakers: createBreakerStore(),
      agents: { agentDefaults: defaults, agentOverrides: limits },
      leaseMs: 30_000,
      retryBaseMs: 10,
      retryMaxMs: 100,
      ...extra,
    });
  }

  it('claims work of a lower-priority agent queued behind an agent at its concurrency limit', async () => {
    limits.busy = { maxConcurrentTasks: 1 };
    for (let i = 0; i < 20; i++) await queue.enqueue({ agentId: 'busy', action: 'run', input: { i }, priority: 9 });
    await queue.enqueue({ agentId: 'quiet', action: 'run', input: {}, priority: 1 });

    const first = await queue.claim('w1', 5);
    expect(first.map((t) => t.agent_id).sort()).toEqual(['busy', 'quiet']);
    // The busy agent is at its limit: nothing more of it, across claimers.
    expect(await queue.claim('w2', 5)).toEqual([]);
  });

  it('queues many tasks in one call across several inserts, all or none', async () => {
    const many = Array.from({ length: 1200 }, (_, i) => ({ agentId: 'a', action: 'run', input: { i } }));
    const results = await queue.enqueueMany(many);
    expect(results).toHaveLength(1200);
    expect(results.map((r) => (r.task.input as { i: number }).i)).toEqual(many.map((_, i) => i));
    expect(results.every((r) => r.created)).toBe(true);
    // Inside a caller's transaction that fails, none of them stays.
    await expect(
      handle.strategy.writeTransaction(handle.db, async (trx) => {
        await queue.enqueueMany(many.slice(0, 700), trx);
        throw new Error('caller changed its mind');
      }),
    ).rejects.toThrow('caller changed its mind');
    const count = await handle.db.selectFrom('tasks').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1200);
  });

  it('enqueues at once, without a promise, only where it can (SQLite, connection free); elsewhere it does nothing', async () => {
    const count = async () => Number((await handle.db.selectFrom('tasks').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const req = { agentId: 'a', action: 'run', input: { now: true }, idempotencyKey: 'at-once' };
    const first = queue.enqueueNow(req);
    if (kind === 'postgres') {
      expect(first).toBeUndefined();
      expect(await count()).toBe(0);
      return;
    }
    expect(first).toMatchObject({ created: true, task: { agent_id: 'a', input: { now: true }, status: 'queued' } });
    expect(await queue.get(first!.task.id)).toEqual(first!.task);
    // The same key again: the task first queued with it.
    expect(queue.enqueueNow(req)).toEqual({ task: first!.task, created: false });
    // While a transaction holds the connection it cannot, and changes nothing.
    await handle.strategy.writeTransaction(handle.db, async () => {
      expect(queue.enqueueNow({ agentId: 'a', action: 'run', input: null })).toBeUndefined();
    });
    expect(await count()).toBe(1);
  });

  it('stores a batch whose rows all carry the same values as given', async () => {
    const same = { agentId: 'a', action: 'run', input: { text: 'quote " and backslash \\ and ünï€', n: null }, priority: 3, correlationId: 'c "1"', maxAttempts: 2 };
    const results = await queue.enqueueMany(Array.from({ length: 1100 }, () => same));
    expect(new Set(results.map((r) => r.task.id)).size).toBe(1100);
    for (const r of [results[0]!, results[999]!, results[1000]!, results[1099]!]) {
      const stored = await queue.get(r.task.id);
      expect(stored).toEqual(r.task);
      expect(stored).toMatchObject({ input: same.input, priority: 3, correlation_id: 'c "1"', max_attempts: 2, status: 'queued', result: null });
    }
  });

  it('answers a batch with repeated idempotency keys, inside it and against queued tasks, with the first task of each key', async () => {
    const earlier = await queue.enqueue({ agentId: 'a', action: 'run', input: 'earlier', idempotencyKey: 'k-old' });
    const batch = Array.from({ length: 1500 }, (_, i) => ({
      agentId: i % 2 ? 'a' : 'b',
      action: 'run',
      input: { i, text: 'quote " and backslash \\ and ünï€' },
      // Rows 1, 101, 201, … (agent a) reuse an older task's key; the other rows ending in 0 or 1 share four keys per agent.
      idempotencyKey: i % 100 === 1 ? 'k-old' : i % 10 <= 1 ? `k-${i % 20}` : null,
    }));
    const results = await queue.enqueueMany(batch);
    expect(results).toHaveLength(1500);
    const firstOfKey = new Map<string, string>();
    results.forEach((r, i) => {
      const req = batch[i]!;
      if (req.idempotencyKey === 'k-old') {
        expect(r).toEqual({ task: earlier.task, created: false });
        return;
      }
      const key = req.idempotencyKey === null ? null : `${req.agentId}/${req.idempotencyKey}`;
      if (key === null || !firstOfKey.has(key)) {
        expect(r.created).toBe(true);
        expect(r.task).toMatchObject({ agent_id: req.agentId, input: req.input, idempotency_key: req.idempotencyKey, status: 'queued' });
        if (key !== null) firstOfKey.set(key, r.task.id);
      } else {
        expect(r.created).toBe(false);
        expect(r.task.id).toBe(firstOfKey.get(key));
      }
    });
    // What each request was answered is what the table holds.
    for (const r of results.filter((_, i) => i % 97 === 0)) expect(await queue.get(r.task.id)).toEqual(r.task);
    const count = await handle.db.selectFrom('tasks').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1 + results.filter((r) => r.created).length);
  });

  it('queues none of a batch when one row is refused by the database, in one statement or several', async () => {
    for (const size of [10, 1200]) {
      const batch = Array.from({ length: size }, (_, i) => ({ agentId: 'a', action: 'run', input: { i }, idempotencyKey: i === 0 ? 'only-once' : null }));
      // The last row breaks a NOT NULL column, after every other row was written.
      (batch[size - 1] as { action: string | null }).action = null;
      await expect(queue.enqueueMany(batch)).rejects.toMatchObject({ message: expect.stringMatching(/not.null/i) });
    }
    const count = await handle.db.selectFrom('tasks').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
    // The key of the refused batch is free again.
    expect((await queue.enqueueMany([{ agentId: 'a', action: 'run', input: null, idempotencyKey: 'only-once' }]))[0]!.created).toBe(true);
  });

  it('claims in priority order, then oldest first', async () => {
    const low = await queue.enqueue({ agentId: 'a', action: 'run', input: {}, priority: 0 });
    const high = await queue.enqueue({ agentId: 'b', action: 'run', input: {}, priority: 5 });
    const claimed = await queue.claim('w1', 1);
    expect(claimed.map((t) => t.id)).toEqual([high.task.id]);
    expect((await queue.claim('w1', 1)).map((t) => t.id)).toEqual([low.task.id]);
  });

  it('completes tasks finished at the same moment, each with its own result and attempt record', async () => {
    for (let i = 0; i < 30; i++) await queue.enqueue({ agentId: 'a', action: 'run', input: { i } });
    const claimed = await queue.claim('w1', 30);
    expect(claimed).toHaveLength(30);
    const answers = await Promise.all(claimed.map((t) => queue.complete(t, 'w1', { echoed: (t.input as { i: number }).i })));
    expect(answers.every(Boolean)).toBe(true);
    for (const t of claimed) {
      const stored = await queue.get(t.id);
      expect(stored.status).toBe('succeeded');
      expect(stored.result).toEqual({ echoed: (t.input as { i: number }).i });
      const attempts = await queue.attempts(t.id);
      expect(attempts).toEqual([expect.objectContaining({ attempt: 1, worker_id: 'w1', outcome: 'succeeded', finished_at: expect.any(Number) })]);
    }
  });

  it('refuses a completion whose lease was lost while the others of the same batch commit', async () => {
    for (let i = 0; i < 3; i++) await queue.enqueue({ agentId: 'a', action: 'run', input: { i } });
    const [a, b, c] = await queue.claim('w1', 3);
    // b's lease went to another worker meanwhile.
    await handle.db.updateTable('tasks').set({ locked_by: 'w2' }).where('id', '=', b!.id).execute();
    const answers = await Promise.all([queue.complete(a!, 'w1', 1), queue.complete(b!, 'w1', 2), queue.complete(c!, 'w1', 3)]);
    expect(answers).toEqual([true, false, true]);
    expect((await queue.get(b!.id)).status).toBe('running');
    expect((await queue.attempts(b!.id))[0]!.outcome).toBeNull();
    expect((await queue.get(c!.id)).result).toBe(3);
  });

  it('leases the next due task in the commit that completes an attempt, one per freed slot', async () => {
    for (let i = 0; i < 4; i++) await queue.enqueue({ agentId: 'a', action: 'run', input: { i } });
    const [a, b] = await queue.claim('w1', 2);
    const [first, second] = await Promise.all([queue.completeAndTakeNext(a!, 'w1', 'A'), queue.completeAndTakeNext(b!, 'w1', 'B')]);
    expect(first!.completed && second!.completed).toBe(true);
    const handed = [first!.next!, second!.next!];
    expect(handed.map((t) => (t.input as { i: number }).i).sort()).toEqual([2, 3]);
    for (const t of handed) {
      expect(t).toMatchObject({ status: 'running', attempts: 1 });
      expect(await queue.attempts(t.id)).toEqual([expect.objectContaining({ attempt: 1, worker_id: 'w1', outcome: null })]);
    }
    expect((await queue.get(a!.id)).result).toBe('A');
    // Nothing left to hand on: completed, no next.
    const last = await Promise.all(handed.map((t) => queue.completeAndTakeNext(t, 'w1', null)));
    expect(last).toEqual([
      { completed: true, drained: true },
      { completed: true, drained: true },
    ]);
  });

  /** completeAndTakeNextTo asking for `ahead` more tasks, as a promise. */
  const completeAhead = (task: ClaimedTask, ahead: number) =>
    new Promise<CompletionAnswer>((resolve, reject) =>
      queue.completeAndTakeNextTo(task, 'w1', null, (a) => (a.status === 'fulfilled' ? resolve(a.value) : reject(a.reason)), ahead),
    );

  it('leases tasks ahead in the commit that completes, after every freed slot has its next task', async () => {
    for (let i = 0; i < 6; i++) await queue.enqueue({ agentId: 'a', action: 'run', input: { i } });
    const [a, b] = await queue.claim('w1', 2);
    const [first, second] = await Promise.all([completeAhead(a!, 2), completeAhead(b!, 2)]);
    // Four were queued: both slots get their next task, and the two left go ahead, in order.
    expect(first!.next && second!.next).toBeTruthy();
    expect(first!.ahead).toHaveLength(2);
    expect(second!.ahead ?? []).toEqual([]);
    const leased = [first!.next!, second!.next!, ...first!.ahead!];
    expect(new Set(leased.map((t) => t.id)).size).toBe(4);
    for (const t of leased) expect(await queue.get(t.id)).toMatchObject({ status: 'running', locked_by: 'w1', attempts: 1 });
    expect(await queue.claim('w2', 10)).toEqual([]);
  });

  it("counts tasks leased ahead against the agent's concurrency limit", async () => {
    limits.narrow = { maxConcurrentTasks: 3 };
    for (let i = 0; i < 8; i++) await queue.enqueue({ agentId: 'narrow', action: 'run', input: { i } });
    const [a, b] = await queue.claim('w1', 2);
    const answers = await Promise.all([completeAhead(a!, 4), completeAhead(b!, 4)]);
    const leased = answers.flatMap((x) => [...(x.next ? [x.next] : []), ...(x.ahead ?? [])]);
    expect(leased).toHaveLength(3);
    const running = await handle.db.selectFrom('tasks').select('id').where('status', '=', 'running').execute();
    expect(running).toHaveLength(3);
  });

  it('commits a completion that arrives while a transaction holds the connection after that transaction, not inside it', async () => {
    for (let i = 0; i < 2; i++) await queue.enqueue({ agentId: 'a', action: 'run', input: { i } });
    const [a] = await queue.claim('w1', 1);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const isInside = new Promise<void>((r) => (inside = r));
    // A transaction that is rolled back: a completion swept into it would be rolled back too.
    const holder = handle.db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('tasks').set({ priority: 7 }).where('id', '=', a!.id).execute();
        inside();
        await released;
        throw new Error('roll back');
      })
      .catch(() => 'rolled back');
    await isInside;
    const completion = queue.completeAndTakeNext(a!, 'w1', 'A');
    await new Promise((r) => setTimeout(r, 50));
    release();
    expect(await holder).toBe('rolled back');
    expect(await completion).toMatchObject({ completed: true, next: expect.objectContaining({ input: { i: 1 } }) });
    expect(await queue.get(a!.id)).toMatchObject({ status: 'succeeded', result: 'A', priority: 0 });
  });

  it('announces the tasks one commit finished together, once the commit is done', async () => {
    const announced: { ids: readonly string[]; status: string }[] = [];
    queue = newQueue({ onTasksFinished: (ids, status) => announced.push({ ids, status }) });
    for (let i = 0; i < 3; i++) await queue.enqueue({ agentId: 'a', action: 'run', input: { i } });
    const claimed = await queue.claim('w1', 3);
    await Promise.all(claimed.map((t) => queue.completeAndTakeNext(t, 'w1', null)));
    expect(announced).toEqual([{ ids: expect.arrayContaining(claimed.map((t) => t.id)), status: 'succeeded' }]);
    expect(announced[0]!.ids).toHaveLength(3);
    // What was announced is visible to other readers.
    for (const id of announced[0]!.ids) expect((await queue.get(id)).status).toBe('succeeded');
  });

  it('keeps the agent\'s concurrency limit when handing on next tasks', async () => {
    limits.narrow = { maxConcurrentTasks: 2 };
    for (let i = 0; i < 5; i++) await queue.enqueue({ agentId: 'narrow', action: 'run', input: { i } });
    const [a, b] = await queue.claim('w1', 5);
    expect(await queue.claim('w2', 5)).toEqual([]);
    const answers = await Promise.all([queue.completeAndTakeNext(a!, 'w1', 1), queue.completeAndTakeNext(b!, 'w1', 2)]);
    // The finished ones no longer count: two slots free, two handed on, the limit still holds.
    expect(answers.filter((x) => x.next).length).toBe(2);
    expect(await queue.claim('w2', 5)).toEqual([]);
  });

  it('hands a freed slot to a better agent first, never letting the same agent jump ahead of it', async () => {
    for (let i = 0; i < 4; i++) await queue.enqueue({ agentId: 'a', action: 'run', input: { i } });
    const [a1, a2] = await queue.claim('w1', 2);
    await queue.enqueue({ agentId: 'b', action: 'run', input: {}, priority: 9 });
    const answers = await Promise.all([queue.completeAndTakeNext(a1!, 'w1', 1), queue.completeAndTakeNext(a2!, 'w1', 2)]);
    expect(answers.map((x) => x.next?.agent_id).sort()).toEqual(['a', 'b']);
  });

  if (kind === 'postgres') {
    it("hands an agent's freed slots to its next tasks without waiting for its claim lock", async () => {
      for (let i = 0; i < 4; i++) await queue.enqueue({ agentId: 'a', action: 'run', input: { i } });
      const [a1, a2] = await queue.claim('w1', 2);
      const unlock = await holdAdvisoryLock('claim:a');
      try {
        // Finishing two of a's tasks and leasing two more leaves a's running count as it was,
        // so no claimer's count can be crossed: the transfer does not need the lock.
        const answers = await Promise.all([queue.completeAndTakeNext(a1!, 'w1', 1), queue.completeAndTakeNext(a2!, 'w1', 2)]);
        expect(answers.map((x) => x.next?.agent_id)).toEqual(['a', 'a']);
      } finally {
        await unlock();
      }
    });
  }

  if (kind === 'postgres') {
    it('answers the finished tasks of a batch by id, agent and status only, and the tasks it leases whole', async () => {
      for (let i = 0; i < 3; i++) await queue.enqueue({ agentId: 'a', action: 'run', input: { i } });
      const [a] = await queue.claim('w1', 1);
      const { rows } = await sql<{ id: string; agent_id: string; status: string; input: string | null; result: string | null; locked_by: string | null }>`
        select * from catalynx_finish_and_claim(${[a!.id]}::text[], ${[a!.attempts]}::integer[], ${['"A"']}::text[], 'w1', 1, ${Date.now()}::bigint,
          ${Date.now() + 30_000}::bigint, 10, '{}'::jsonb, null, null)`.execute(handle.db);
      expect(rows).toHaveLength(2);
      const finished = rows.find((r) => r.status === 'succeeded')!;
      expect(finished).toMatchObject({ id: a!.id, agent_id: 'a', input: null, result: null });
      expect(rows.find((r) => r.status === 'running')).toMatchObject({ agent_id: 'a', locked_by: 'w1', input: expect.stringContaining('"i"') });
      // The row itself holds the result.
      expect((await queue.get(a!.id)).result).toBe('A');
    });
  }

  it('gives back a next task leased for an attempt whose completion was refused', async () => {
    for (let i = 0; i < 4; i++) await queue.enqueue({ agentId: 'a', action: 'run', input: { i } });
    const [a, b] = await queue.claim('w1', 2);
    await handle.db.updateTable('tasks').set({ locked_by: 'w2' }).where('id', '=', b!.id).execute();
    const [ok, refused] = await Promise.all([queue.completeAndTakeNext(a!, 'w1', 1), queue.completeAndTakeNext(b!, 'w1', 2)]);
    expect(ok).toMatchObject({ completed: true, next: expect.objectContaining({ status: 'running' }) });
    expect(refused).toEqual({ completed: false });
    // The other task leased in that commit went back to the queue at once, its attempt not counted.
    const rows = await handle.db.selectFrom('tasks').select(['id', 'status', 'max_attempts']).where('status', '=', 'queued').execute();
    expect(rows).toHaveLength(1);
    expect((await queue.attempts(rows[0]!.id))[0]).toMatchObject({ outcome: 'released', error: 'leased for a slot whose attempt lost its lease' });
  });

  it('fails only the completion whose finish hook throws; the rest of the batch commits', async () => {
    for (let i = 0; i < 3; i++) {
      await queue.enqueue({ agentId: 'a', action: 'run', input: { i }, workflow: { runId: 'run-1', stepId: `step-${i}`, kind: 'step' } });
    }
    const [a, b, c] = await queue.claim('w1', 3);
    queue.onFinished(async (_trx, task) => {
      if (task.id === b!.id) throw new Error('hook refused this task');
    });
    const settled = await Promise.allSettled([queue.complete(a!, 'w1', 1), queue.complete(b!, 'w1', 2), queue.complete(c!, 'w1', 3)]);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new Error('hook refused this task'));
    // The refused one changed nothing: still running, its attempt still open.
    expect((await queue.get(b!.id)).status).toBe('running');
    expect((await queue.attempts(b!.id))[0]!.finished_at).toBeNull();
    expect((await queue.get(a!.id)).status).toBe('succeeded');
    expect((await queue.get(c!.id)).status).toBe('succeeded');
  });

  it('runs finish hooks for tasks of a workflow run only, in the finishing transaction', async () => {
    const plain = await queue.enqueue({ agentId: 'a', action: 'run', input: {} });
    const step = await queue.enqueue({ agentId: 'a', action: 'run', input: {}, workflow: { runId: 'run-2', stepId: 'only', kind: 'step' } });
    const seen: { id: string; status: string }[] = [];
    queue.onFinished(async (trx, task, outcome) => {
      // Inside the transaction the task already reads as finished.
      const row = await trx.selectFrom('tasks').select('status').where('id', '=', task.id).executeTakeFirstOrThrow();
      seen.push({ id: task.id, status: `${outcome}/${row.status}` });
    });
    const claimed = await queue.claim('w1', 2);
    await Promise.all(claimed.map((t) => queue.complete(t, 'w1', null)));
    expect(seen).toEqual([{ id: step.task.id, status: 'succeeded/succeeded' }]);
    expect((await queue.get(plain.task.id)).status).toBe('succeeded');
  });

  it("leases a workflow step's freed slot the task its finish hook queued, in the same commit", async () => {
    const first = await queue.enqueue({ agentId: 'a', action: 'run', input: {}, workflow: { runId: 'run-3', stepId: 'one', kind: 'step' } });
    // The hook queues the next step inside the finishing transaction, as the saga orchestrator does.
    queue.onFinished(async (trx, task) => {
      if (task.workflow_step_id === 'one') {
        await queue.enqueue({ agentId: 'b', action: 'run', input: { after: task.id }, workflow: { runId: 'run-3', stepId: 'two', kind: 'step' } }, trx);
      }
    });
    const [claimed] = await queue.claim('w1', 1);
    expect(claimed!.id).toBe(first.task.id);
    const answer = await queue.completeAndTakeNext(claimed!, 'w1', 'done');
    expect(answer.completed).toBe(true);
    expect(answer.next).toMatchObject({ agent_id: 'b', workflow_step_id: 'two', status: 'running', locked_by: 'w1', attempts: 1, input: { after: first.task.id } });
    // Leased for real: running for this worker, with its attempt recorded.
    expect(await queue.get(answer.next!.id)).toMatchObject({ status: 'running', locked_by: 'w1' });
    expect(await queue.attempts(answer.next!.id)).toEqual([expect.objectContaining({ attempt: 1, worker_id: 'w1', finished_at: null })]);
    // Nobody else can claim it.
    expect(await queue.claim('w2', 1)).toEqual([]);
    // The completion of a step that queued nothing hands on nothing, and says it looked.
    const last = await queue.completeAndTakeNext(answer.next!, 'w1', 'done');
    expect(last).toEqual({ completed: true, drained: true });
  });

  it("leases tasks ahead in a workflow step's completion too, after the step its hook queued", async () => {
    await queue.enqueue({ agentId: 'a', action: 'run', input: {}, workflow: { runId: 'run-4', stepId: 'one', kind: 'step' } });
    queue.onFinished(async (trx, task) => {
      if (task.workflow_step_id === 'one') {
        await queue.enqueue({ agentId: 'b', action: 'run', input: {}, workflow: { runId: 'run-4', stepId: 'two', kind: 'step' }, priority: 5 }, trx);
      }
    });
    const [claimed] = await queue.claim('w1', 1);
    for (let i = 0; i < 3; i++) await queue.enqueue({ agentId: 'c', action: 'run', input: { i } });
    const answer = await completeAhead(claimed!, 2);
    expect(answer.completed).toBe(true);
    expect(answer.next).toMatchObject({ workflow_step_id: 'two', status: 'running', locked_by: 'w1' });
    expect(answer.ahead).toHaveLength(2);
    for (const t of answer.ahead!) expect(await queue.get(t.id)).toMatchObject({ agent_id: 'c', status: 'running', locked_by: 'w1' });
    expect(await queue.claim('w2', 5)).toHaveLength(1);
  });

  it("never waits for an agent's claim lock inside a workflow step's completion: the slot waits instead", async () => {
    if (kind !== 'postgres') return; // SQLite has one writer; its claim locks are the write lock itself.
    const first = await queue.enqueue({ agentId: 'a', action: 'run', input: {}, workflow: { runId: 'run-4', stepId: 'one', kind: 'step' } });
    queue.onFinished(async (trx, task) => {
      if (task.workflow_step_id === 'one') await queue.enqueue({ agentId: 'b', action: 'run', input: {}, workflow: { runId: 'run-4', stepId: 'two', kind: 'step' } }, trx);
    });
    const [claimed] = await queue.claim('w1', 1);
    // Another transaction holds agent b's claim lock (a claimer, or a failure updating b's breaker).
    const release = await holdAdvisoryLock('claim:b');
    const completion = queue.completeAndTakeNext(claimed!, 'w1', 'done');
    // A completion that waited for the lock would still be waiting when the lock is let go.
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([completion.then(() => 'finished'), new Promise((r) => (timer = setTimeout(() => r('still waiting for the lock'), 10_000)))]);
    clearTimeout(timer);
    await release();
    expect(outcome).toBe('finished');
    // Finished, with b passed over rather than waited for; b's task is queued for the next claim.
    expect(await completion).toEqual({ completed: true, drained: true });
    expect(await queue.get(first.task.id)).toMatchObject({ status: 'succeeded', result: 'done' });
    expect((await queue.claim('w1', 1)).map((t) => [t.agent_id, t.workflow_step_id])).toEqual([['b', 'two']]);
  });

  it('claims across agents best first, each within its own limit, with the default for the rest', async () => {
    limits.small = { maxConcurrentTasks: 2 };
    for (let i = 0; i < 5; i++) await queue.enqueue({ agentId: 'small', action: 'run', input: { i }, priority: 5 });
    for (let i = 0; i < 5; i++) await queue.enqueue({ agentId: 'plain', action: 'run', input: { i }, priority: 1 });
    const claimed = await queue.claim('w1', 6);
    // The better agent first, as far as its limit; then the next one fills the rest.
    expect(claimed.map((t) => t.agent_id)).toEqual(['small', 'small', 'plain', 'plain', 'plain', 'plain']);
    const attempts = await handle.db.selectFrom('task_attempts').select(['task_id', 'worker_id']).execute();
    expect(attempts.map((a) => a.task_id).sort()).toEqual(claimed.map((t) => t.id).sort());
    expect(new Set(attempts.map((a) => a.worker_id))).toEqual(new Set(['w1']));
  });

  if (kind === 'postgres') {
    it('computes the same advisory lock key in SQL as the application does', async () => {
      for (const name of ['claim:a', 'claim:bmf_filter', 'claim:Ünïcode-agent', 'scheduler:leader']) {
        const { rows } = await sql<{ key: string }>`select catalynx_lock_key(${name})::text as key`.execute(handle.db);
        expect(rows[0]!.key).toBe(advisoryLockKey(name));
      }
    });

    it('passes over an agent whose claim lock another transaction holds, and takes it on the next claim', async () => {
      await queue.enqueue({ agentId: 'first', action: 'run', input: {}, priority: 9 });
      await queue.enqueue({ agentId: 'locked', action: 'run', input: {}, priority: 1 });
      const unlock = await holdAdvisoryLock('claim:locked');
      // The first agent's lock is free: leased. The second agent's is held: passed over, no wait.
      expect((await queue.claim('w1', 5)).map((t) => t.agent_id)).toEqual(['first']);
      await unlock();
      expect((await queue.claim('w1', 5)).map((t) => t.agent_id)).toEqual(['locked']);
    });
  }

  it('records a success on a breaker that is not clean, closing a half-open one', async () => {
    limits.a = { circuitFailureThreshold: 1, circuitRecoveryTimeoutSeconds: 0 };
    await queue.enqueue({ agentId: 'a', action: 'run', input: {} });
    const [first] = await queue.claim('w1', 1);
    await queue.fail(first!, 'w1', 'agent down', { retryable: true, breakerFailure: true });
    const open = await handle.db.selectFrom('circuit_breakers').selectAll().where('name', '=', 'agent:a').executeTakeFirstOrThrow();
    expect(open.state).toBe('open');
    // Recovery timeout 0: the next claim is the breaker's trial; its success closes the breaker.
    await new Promise((r) => setTimeout(r, 20));
    const [trial] = await queue.claim('w1', 5);
    expect(trial).toBeDefined();
    expect(await queue.complete(trial!, 'w1', 'fine')).toBe(true);
    const closed = await handle.db.selectFrom('circuit_breakers').selectAll().where('name', '=', 'agent:a').executeTakeFirstOrThrow();
    expect(closed.state).toBe('closed');
    expect(Number(closed.failure_count)).toBe(0);
  });
});
