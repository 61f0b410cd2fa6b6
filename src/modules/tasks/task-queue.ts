// The durable task queue: the only writer of `tasks` and `task_attempts`. Every state change is one
// fenced statement (status + lease owner + attempt in the WHERE), so the database decides races.

import { sql, type QueryCreator } from 'kysely';
import { agentSettings, type AgentSettings, type AgentSettingsSource } from '../../config';
import { exec, isProgram, runProgram, waitOn, type DatabaseHandle, type Program, type Tx } from '../../platform/db';
import type { CircuitBreakersTable, Database, TasksTable } from '../../platform/db/schema';
import { createGroupCommit } from '../../platform/db/group-commit';
import { queryTemplate } from '../../platform/db/query-template';
import { NotFoundError } from '../../platform/errors';
import { computeBackoffMs } from '../../resilience/backoff';
import { decide, type BreakerPolicyOptions } from '../../resilience/circuit-breaker-policy';
import { agentBreakerName, agentBreakers, toSnapshot, type BreakerStore } from '../agents/breaker-store';
import { createTaskEnqueuer, type EnqueueRequest } from './enqueue-tasks';
import { createSqliteHotPath, type SqliteClaim } from './sqlite-hot-path';
import { FINISHED_STATUSES, toClaimedTask, toTask, type ClaimedTask, type Task, type TaskStatus } from './task';
import { TaskStateError } from './task-errors';

export type { EnqueueRequest } from './enqueue-tasks';
export type { ClaimedTask } from './task';

export type FinishOutcome = 'succeeded' | 'failed' | 'cancelled';

/**
 * Runs in the transaction that finishes a task of a workflow run (the saga advances in the same
 * commit). Tasks outside a workflow run finish without hooks. A hook is an async function, or a
 * statement program (platform/db/statement-program.ts), which runs without a promise per
 * statement on SQLite.
 */
export type FinishHook = (trx: Tx, task: Task, outcome: FinishOutcome) => Program<void> | Promise<void>;

export interface QueueStats {
  queued: number;
  running: number;
  oldestQueuedAgeSeconds: number;
  byAgent: Record<string, { queued: number; running: number }>;
}

export interface TaskQueue {
  /** Inserts a task, or returns the first one with the same (agent, idempotency key). */
  enqueue(req: EnqueueRequest, trx?: Tx): Promise<{ task: Task; created: boolean }>;
  /** enqueue as a statement program, for a caller's transaction written as one (see statement-program.ts). */
  enqueueProgram(req: EnqueueRequest): Program<{ task: Task; created: boolean }>;
  /**
   * Inserts many tasks at once (one statement per batch where it fits, else one transaction:
   * all or none; see enqueue-tasks.ts), each answered like enqueue, in order. A repeated idempotency key yields the task first queued with it.
   */
  enqueueMany(reqs: readonly EnqueueRequest[], trx?: Tx): Promise<{ task: Task; created: boolean }[]>;
  claim(workerId: string, slots: number): Promise<ClaimedTask[]>;
  /**
   * Extends the leases of a worker's running attempts in one statement per 500. Answers, for each
   * attempt whose lease the worker still holds, whether a cancel was requested; an attempt missing
   * from the answer has lost its lease.
   */
  extendLeases(tasks: readonly ClaimedTask[], workerId: string): Promise<Map<string, { cancelRequested: boolean }>>;
  complete(task: ClaimedTask, workerId: string, result: unknown): Promise<boolean>;
  /**
   * Completes a successful attempt and, in the same commit where it can (a plain task on a clean
   * breaker), leases the worker its next task for the slot the attempt frees. `next` is absent
   * when no task was due for it, or the attempt finished on the transactional path.
   */
  completeAndTakeNext(task: ClaimedTask, workerId: string, result: unknown): Promise<{ completed: boolean; next?: ClaimedTask }>;
  /**
   * completeAndTakeNext with the answer handed to `settle` instead of a promise (the worker's
   * attempt path creates no promise of its own; see task-worker.ts). `settle` runs in the
   * completion's execution context, not the caller's.
   */
  completeAndTakeNextTo(task: ClaimedTask, workerId: string, result: unknown, settle: (answer: PromiseSettledResult<{ completed: boolean; next?: ClaimedTask }>) => void): void;
  fail(task: ClaimedTask, workerId: string, error: string, opts: { retryable: boolean; breakerFailure: boolean }): Promise<TaskStatus | undefined>;
  /** Gives a task back (graceful shutdown past the grace period); the interrupted attempt does not use up the budget. */
  release(task: ClaimedTask, workerId: string, reason?: string): Promise<boolean>;
  finishCancelled(task: ClaimedTask, workerId: string): Promise<boolean>;
  /** Re-queues (or fails, when out of attempts) running tasks whose lease expired. */
  reapExpiredLeases(): Promise<number>;
  cancel(id: string): Promise<Task>;
  retry(id: string): Promise<Task>;
  find(id: string): Promise<Task | undefined>;
  get(id: string): Promise<Task>;
  list(filter: { status?: TaskStatus; agentId?: string; workflowRunId?: string; limit: number; offset: number }): Promise<{ tasks: Task[]; total: number }>;
  attempts(id: string): Promise<{ attempt: number; worker_id: string; started_at: number; finished_at: number | null; outcome: string | null; error: string | null }[]>;
  purgeFinished(olderThanMs: number): Promise<number>;
  stats(): Promise<QueueStats>;
  onFinished(hook: FinishHook): void;
}

export interface TaskQueueOptions {
  database: DatabaseHandle;
  breakers: BreakerStore;
  /** Per-agent settings (limits, breaker policy, attempts): defaults and per-agent overrides. */
  agents: AgentSettingsSource;
  leaseMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Called after a commit that made new work claimable / finished tasks (wake-ups). */
  onQueued?(agentId: string): void;
  /** The tasks one commit finished, all with the same status (a batch of completions: many). */
  onTasksFinished?(taskIds: readonly string[], status: TaskStatus): void;
  now?: () => number;
  random?: () => number;
}

const MAX_ERROR_LENGTH = 4000;

/** The lock that serialises claims of an agent and updates of its breaker, across workers. */
const claimLockName = (agentId: string) => `claim:${agentId}`;
/** Attempts per lease-renewal statement (two parameters each). */
const LEASE_RENEWAL_CHUNK = 500;

interface Completion {
  task: ClaimedTask;
  workerId: string;
  result: unknown;
  /** Lease the worker its next task in the same commit (the slot this attempt frees). */
  takeNext: boolean;
}

interface CompletionAnswer {
  completed: boolean;
  next?: ClaimedTask;
}

export function createTaskQueue(opts: TaskQueueOptions): TaskQueue {
  const { db, strategy } = opts.database;
  const now = opts.now ?? Date.now;
  const hooks: FinishHook[] = [];

  const settingsFor = (agentId: string): AgentSettings => agentSettings(opts.agents, agentId);
  const breakerOptions = (agentId: string): BreakerPolicyOptions => {
    const s = settingsFor(agentId);
    return { failureThreshold: s.circuitFailureThreshold, recoveryTimeoutMs: s.circuitRecoveryTimeoutSeconds * 1000 };
  };

  /** An update of one attempt's task, guarded by the lease: only its holder, on that attempt, while running. */
  const fenced = (q: Tx, task: ClaimedTask, workerId: string) =>
    q
      .updateTable('tasks')
      .where('id', '=', task.id)
      .where('status', '=', 'running')
      .where('locked_by', '=', workerId)
      .where('attempts', '=', task.attempts);

  async function finishAttempt(trx: Tx, task: ClaimedTask, outcome: string, error: string | null, t: number) {
    await trx
      .updateTable('task_attempts')
      .set({ finished_at: t, outcome: outcome as never, error })
      .where('task_id', '=', task.id)
      .where('attempt', '=', task.attempts)
      .execute();
  }

  /** The finish hooks of a task of a workflow run, as a program (a hook may be one, or async). */
  function* hooksOf(trx: Tx, row: TasksTable, outcome: FinishOutcome): Program<void> {
    if (row.workflow_run_id === null) return;
    const task = toTask(row);
    for (const hook of hooks) {
      const run = hook(trx, task, outcome);
      if (isProgram(run)) yield* run;
      else yield* waitOn(() => run);
    }
  }

  function runHooks(trx: Tx, row: TasksTable, outcome: FinishOutcome): Promise<void> {
    return row.workflow_run_id === null ? Promise.resolve() : runProgram(opts.database, trx, hooksOf(trx, row, outcome));
  }

  /** Records the attempt's outcome on the agent's breaker, under the breaker's lock. */
  async function reportToBreaker(trx: Tx, task: ClaimedTask, outcome: 'success' | 'failure', t: number) {
    const name = agentBreakerName(task.agent_id);
    // Hot path: a success on a closed, clean breaker changes nothing; skip the lock and the write.
    if (outcome === 'success') {
      const current = await opts.breakers.read(trx, name);
      if (current.state === 'closed' && current.failureCount === 0) return;
    }
    await strategy.lockKey(trx, claimLockName(task.agent_id), { wait: true });
    await opts.breakers.record(trx, name, outcome, t, breakerOptions(task.agent_id), { startedAt: task.claimedAt });
  }

  /**
   * Postgres: the whole claim in one statement, catalynx_claim (migration 0004): due agents best
   * first, each leased within its limit under its claim lock, attempt rows written. Agents whose
   * breaker is not closed are passed over there and decided on below.
   */
  const claimQuery = queryTemplate<'worker' | 'slots' | 't' | 'until' | 'defaultLimit' | 'limits', TasksTable>((p) =>
    sql<TasksTable>`select * from catalynx_claim(${p.worker}::text, ${p.slots}::integer, ${p.t}::bigint, ${p.until}::bigint, ${p.defaultLimit}::integer, ${p.limits}::jsonb)`.compile(db),
  );

  /**
   * What catalynx_claim and catalynx_finish_and_claim take to lease for a worker: its slots, the
   * lease's end, and the concurrency limits (the default, and as JSON those that differ from it).
   */
  function claimParameters(workerId: string, slots: number, t: number) {
    const limits: Record<string, number> = {};
    for (const [agentId, overrides] of Object.entries(opts.agents.agentOverrides)) {
      if (overrides.maxConcurrentTasks !== undefined) limits[agentId.toLowerCase()] = overrides.maxConcurrentTasks;
    }
    return { worker: workerId, slots, t, until: t + opts.leaseMs, defaultLimit: opts.agents.agentDefaults.maxConcurrentTasks, limits: JSON.stringify(limits) };
  }

  /** Agents with due work whose breaker is not closed: the claim passed them over. */
  async function agentsHeldByBreakers(t: number): Promise<string[]> {
    const name = sql.ref('b.name');
    const rows = await db
      .selectFrom('circuit_breakers as b')
      .select(agentBreakers.agentIdOf(name).as('agent_id'))
      .where(agentBreakers.isAgentBreaker(name))
      .where('b.state', '!=', 'closed')
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom('tasks as t')
            .select('t.id')
            .where('t.status', '=', 'queued')
            .where('t.run_at', '<=', t)
            .where(sql<boolean>`t.agent_id = ${agentBreakers.agentIdOf(name)}`),
        ),
      )
      .execute();
    return rows.map((r) => r.agent_id);
  }

  /** The lease itself: running, held by the worker, one more attempt. */
  const leaseValues = (workerId: string, t: number) => ({
    status: 'running' as const,
    locked_by: workerId,
    locked_until: t + opts.leaseMs,
    attempts: sql<number>`attempts + 1`,
    started_at: sql<number>`coalesce(started_at, ${t})`,
    updated_at: t,
  });

  /**
   * Leases up to `left` of one agent's due tasks whose breaker is not closed: decides on the
   * breaker (a single trial once the recovery time has passed) in the same transaction.
   */
  async function claimForAgent(agentId: string, workerId: string, left: number, t: number): Promise<ClaimedTask[]> {
    const breakerName = agentBreakerName(agentId);
    // One claimer per agent at a time (Postgres advisory lock; SQLite's write lock), so the
    // per-agent concurrency limit and the breaker's single trial hold across all workers.
    return strategy.lockedWriteTransaction(db, claimLockName(agentId), async (trx) => {
      const settings = settingsFor(agentId);
      const runningRow = await trx
        .selectFrom('tasks')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('status', '=', 'running')
        .where('agent_id', '=', agentId)
        .executeTakeFirst();
      let capacity = Math.min(settings.maxConcurrentTasks - Number(runningRow?.n ?? 0), left);
      if (capacity <= 0) return [];

      const before = await opts.breakers.read(trx, breakerName);
      const decision = decide(before, t, breakerOptions(agentId));
      // While the breaker is open the agent's tasks wait in the queue; they burn no attempts.
      if (!decision.allowed) return [];
      if (decision.trial) capacity = 1;

      // The pick is a materialized CTE so it runs exactly once. As a plain `id in (subquery)`
      // Postgres may plan a nested loop that re-runs the LIMIT subquery per outer row, each run
      // skipping the rows it has just locked, and lease more rows than asked.
      const rows = await trx
        .with(
          (cte) => cte('picked').materialized(),
          (q) => {
            const pick = q
              .selectFrom('tasks')
              .select('id')
              .where('status', '=', 'queued')
              .where('agent_id', '=', agentId)
              .where('run_at', '<=', t)
              .orderBy('priority', 'desc')
              .orderBy('run_at')
              .orderBy('created_at')
              .limit(capacity);
            return strategy.supportsSkipLocked ? pick.forUpdate().skipLocked() : pick;
          },
        )
        // Pick and lease in one statement. The picked rows are still queued: Postgres re-checks a
        // row it locks FOR UPDATE, and SQLite's writer lock is held. (A status guard here would
        // also steer SQLite's planner to scan every queued row.)
        .updateTable('tasks')
        .set(leaseValues(workerId, t))
        .where('id', 'in', (eb) => eb.selectFrom('picked').select('id'))
        .returningAll()
        .execute();
      if (rows.length === 0) return [];
      if (decision.next !== before) await opts.breakers.save(trx, breakerName, decision.next, t);
      await trx
        .insertInto('task_attempts')
        .values(rows.map((r) => ({ task_id: r.id, attempt: Number(r.attempts), worker_id: workerId, started_at: t, finished_at: null, outcome: null, error: null })))
        .execute();
      return rows.map((r) => toClaimedTask(r, t));
    });
  }

  /** An update of a batch of attempts' tasks, each guarded by its lease like `fenced`. */
  const fencedTasks = (q: QueryCreator<Database>, tasks: readonly ClaimedTask[], workerId: string) =>
    q
      .updateTable('tasks')
      // The plain id list lets the planner find the rows by primary key (a row-value IN alone
      // does not); the row values fence each task on its own attempt.
      .where('id', 'in', tasks.map((task) => task.id))
      .where((eb) => eb(eb.refTuple('id', 'attempts'), 'in', tasks.map((task) => eb.tuple(task.id, task.attempts))))
      .where('status', '=', 'running')
      .where('locked_by', '=', workerId);

  /**
   * Completes `k` attempts of one worker (placeholders id0, attempts0, result0, …): one CASE gives
   * each task its own result; the plain id list lets the planner find the rows by primary key (a
   * row-value IN alone does not), and the row values fence each task on its own attempt.
   */
  const completeBatchQuery = queryTemplate<string, TasksTable>((p, k) => {
    const ks = Array.from({ length: k }, (_, i) => i);
    return db
      .updateTable('tasks')
      .set((eb) => {
        let result = eb.case('id').when(p.id0).then(p.result0);
        for (const i of ks.slice(1)) result = result.when(p[`id${i}`]).then(p[`result${i}`]);
        return { status: 'succeeded', result: result.end(), last_error: null, locked_by: null, locked_until: null, finished_at: p.t, updated_at: p.t };
      })
      .where(
        'id',
        'in',
        ks.map((i) => p[`id${i}`]),
      )
      .where((eb) => eb(eb.refTuple('id', 'attempts'), 'in', ks.map((i) => eb.tuple(p[`id${i}`], p[`attempts${i}`]))))
      .where('status', '=', 'running')
      .where('locked_by', '=', p.worker)
      .returningAll();
  });
  /** Closes `k` attempt rows as succeeded (placeholders task0, attempt0, …). */
  const closeAttemptsQuery = queryTemplate<string, never>((p, k) =>
    db
      .updateTable('task_attempts')
      .set({ finished_at: p.t, outcome: 'succeeded', error: null })
      .where((eb) => eb(eb.refTuple('task_id', 'attempt'), 'in', Array.from({ length: k }, (_, i) => eb.tuple(p[`task${i}`], p[`attempt${i}`])))),
  );
  /** `k` breakers' rows by name (placeholders name0, …). */
  const breakersQuery = queryTemplate<string, CircuitBreakersTable>((p, k) =>
    db
      .selectFrom('circuit_breakers')
      .selectAll()
      .where(
        'name',
        'in',
        Array.from({ length: k }, (_, i) => p[`name${i}`]),
      ),
  );

  /**
   * Finishes a batch of successful attempts in the caller's transaction: one fenced update for
   * all the tasks, one for their attempt rows, one breaker read, then the per-task work only where
   * there is some (a breaker that is not clean, finish hooks). Returns the ids it finished; a task
   * whose lease was lost is left alone.
   */
  function* completeAll(trx: Tx, items: readonly Completion[], t: number): Program<Set<string>> {
    const byWorker = new Map<string, Completion[]>();
    for (const i of items) byWorker.set(i.workerId, [...(byWorker.get(i.workerId) ?? []), i]);
    const rows: TasksTable[] = [];
    for (const [workerId, group] of byWorker) {
      const values: Record<string, unknown> = { t, worker: workerId };
      group.forEach((item, i) => {
        values[`id${i}`] = item.task.id;
        values[`attempts${i}`] = item.task.attempts;
        values[`result${i}`] = JSON.stringify(item.result ?? null);
      });
      rows.push(...(yield* exec(completeBatchQuery.statement(values, group.length))).rows);
    }
    if (rows.length === 0) return new Set();
    const attempts: Record<string, unknown> = { t };
    rows.forEach((r, i) => {
      attempts[`task${i}`] = r.id;
      attempts[`attempt${i}`] = Number(r.attempts);
    });
    yield* exec(closeAttemptsQuery.statement(attempts, rows.length));
    // A success on a closed, clean breaker changes nothing; only the others take the lock and write.
    const names: Record<string, unknown> = {};
    const agents = [...new Set(rows.map((r) => r.agent_id))];
    agents.forEach((agentId, i) => (names[`name${i}`] = agentBreakerName(agentId)));
    const breakers = new Map((yield* exec(breakersQuery.statement(names, agents.length))).rows.map((r) => [r.name, toSnapshot(r)]));
    const claimedBy = new Map(items.map((i) => [i.task.id, i.task]));
    // Breaker locks in agent order, so two batches never wait on each other's locks crosswise.
    for (const row of [...rows].sort((a, b) => (a.agent_id < b.agent_id ? -1 : a.agent_id > b.agent_id ? 1 : 0))) {
      const current = breakers.get(agentBreakerName(row.agent_id));
      if (current && !(current.state === 'closed' && current.failureCount === 0)) {
        yield* waitOn(() => reportToBreaker(trx, claimedBy.get(row.id)!, 'success', t));
      }
    }
    // Hooks lock their workflow runs: in run order, so two batches holding tasks of the same runs
    // (parallel branches) never wait on each other's run locks crosswise.
    const byRun = (a: TasksTable, b: TasksTable) => ((a.workflow_run_id ?? '') < (b.workflow_run_id ?? '') ? -1 : (a.workflow_run_id ?? '') > (b.workflow_run_id ?? '') ? 1 : 0);
    for (const row of [...rows].sort(byRun)) yield* hooksOf(trx, row, 'succeeded');
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Postgres: catalynx_finish_and_claim (migration 0004) finishes the batch's successes that need
   * nothing more than their rows written (outside a workflow run, no finish hooks; the agent's
   * breaker closed and clean, so a success changes nothing) and then leases the worker up to
   * `slots` next tasks, in one statement and one round trip. It answers the rows it changed: the
   * finished ones ('succeeded') and the leased ones ('running'). The batch travels as arrays, so
   * the statement text is the same for every batch size and is planned once per connection.
   */
  const finishAndClaimQuery = queryTemplate<'ids' | 'attempts' | 'results' | 'worker' | 'slots' | 't' | 'until' | 'defaultLimit' | 'limits', TasksTable>((p) =>
    sql<TasksTable>`select * from catalynx_finish_and_claim(${p.ids}::text[], ${p.attempts}::integer[], ${p.results}::text[], ${p.worker}::text,
      ${p.slots}::integer, ${p.t}::bigint, ${p.until}::bigint, ${p.defaultLimit}::integer, ${p.limits}::jsonb)`.compile(db),
  );

  const sqliteHotPath = opts.database.sqlite
    ? createSqliteHotPath(opts.database.sqlite, { leaseMs: opts.leaseMs, limitFor: (agentId) => settingsFor(agentId).maxConcurrentTasks })
    : undefined;

  interface PlainOutcome {
    /** The tasks finished. */
    done: Set<string>;
    /** The tasks leased for the slots they freed. */
    next: ClaimedTask[];
  }

  const successes = (items: readonly Completion[]) => items.map((i) => ({ id: i.task.id, attempts: i.task.attempts, result: JSON.stringify(i.result ?? null) }));
  const plainOutcome = ({ done, claim }: { done: Set<string>; claim?: SqliteClaim }, t: number): PlainOutcome => ({
    done,
    next: (claim?.rows ?? []).map((r) => toClaimedTask(r, t)),
  });

  /**
   * completePlain on SQLite when the connection is free: committed before it returns. Undefined,
   * with nothing done, on Postgres or while something else holds the connection.
   */
  function completePlainNow(items: readonly Completion[], slots: number): PlainOutcome | undefined {
    if (!sqliteHotPath) return undefined;
    const workerId = items[0]!.workerId;
    if (items.some((i) => i.workerId !== workerId)) return { done: new Set(), next: [] };
    const t = now();
    const out = sqliteHotPath.completePlainNow(workerId, successes(items), slots, t);
    return out && plainOutcome(out, t);
  }

  /**
   * The successes that need nothing but their own rows written, in one statement (Postgres) or
   * transaction (SQLite); with `slots`, the same commit leases the worker its next tasks. Items of
   * more than one worker (several workers in one process) finish on the transactional path.
   */
  async function completePlain(items: readonly Completion[], slots: number, t: number): Promise<PlainOutcome> {
    const workerId = items[0]!.workerId;
    if (items.some((i) => i.workerId !== workerId)) return { done: new Set(), next: [] };
    if (sqliteHotPath) return plainOutcome(await sqliteHotPath.completePlain(workerId, successes(items), slots, t), t);
    const { rows } = await finishAndClaimQuery(db, {
      ids: items.map((i) => i.task.id),
      attempts: items.map((i) => i.task.attempts),
      results: items.map((i) => JSON.stringify(i.result ?? null)),
      ...claimParameters(workerId, slots, t),
    });
    const done = new Set<string>();
    const next: ClaimedTask[] = [];
    for (const r of rows) {
      if (r.status === 'running') next.push(toClaimedTask(r, t));
      else done.add(r.id);
    }
    return { done, next };
  }

  const finished = (ids: Iterable<string>) => opts.onTasksFinished?.([...ids], 'succeeded');

  /**
   * Completions with finish hooks (a workflow run's tasks), in one transaction. On SQLite, with
   * `takeNext`, the slots they free are leased their next tasks in the same commit, as for
   * plain completions: a saga's next step, queued by the hook, among them. (On Postgres the
   * claim would add a round trip inside the transaction and hold the agent's claim lock until
   * its commit, and sagas ran slower with it: the worker claims on its own there.)
   */
  async function completeInTransaction(batch: readonly Completion[], takeNext: boolean): Promise<{ done: Set<string>; handed: Map<string, ClaimedTask> }> {
    const t = now();
    const { done, handed } = await strategy.writeTransaction(db, async (trx) => {
      const done = await runProgram(opts.database, trx, completeAll(trx, batch, t));
      const takers = takeNext ? batch.filter((i) => i.takeNext && done.has(i.task.id)) : [];
      const workerId = takers[0]?.workerId;
      if (!sqliteHotPath || workerId === undefined || takers.some((i) => i.workerId !== workerId)) return { done, handed: new Map<string, ClaimedTask>() };
      // Read the clock again: a task the hooks queued is due from the moment they queued it.
      const claimedAt = now();
      const next = sqliteHotPath.claimWithin(trx, workerId, takers.length, claimedAt).rows.map((r) => toClaimedTask(r, claimedAt));
      return { done, handed: new Map(next.map((task, k) => [takers[k]!.task.id, task])) };
    });
    finished(done);
    return { done, handed };
  }

  type Answers = Map<string, PromiseSettledResult<CompletionAnswer>>;

  /**
   * Answers the completions the plain step finished, each that asked with at most one next task
   * for its slot; returns the leased tasks no slot takes and the items the step did not finish.
   */
  function settlePlain(items: readonly Completion[], candidates: readonly Completion[], plain: PlainOutcome, answers: Answers) {
    const { done, next } = plain;
    finished(done);
    let handed = 0;
    for (const i of candidates) {
      if (!done.has(i.task.id)) continue;
      const task = i.takeNext && handed < next.length ? next[handed++] : undefined;
      answers.set(i.task.id, { status: 'fulfilled', value: { completed: true, next: task } });
    }
    return { stray: next.slice(handed), rest: done.size === items.length ? [] : items.filter((i) => !done.has(i.task.id)) };
  }

  const inOrder = (items: readonly Completion[], answers: Answers) =>
    items.map((i) => answers.get(i.task.id) ?? { status: 'rejected' as const, reason: new Error(`task ${i.task.id} was not settled`) });

  /**
   * What the plain step left: leased tasks no slot takes go back, the rest finish in a
   * transaction. `failure` (the plain step threw) sends every item in `rest` to the fallback.
   */
  async function finishRest(items: readonly Completion[], answers: Answers, rest: readonly Completion[], stray: readonly ClaimedTask[], failure?: { error: unknown }) {
    try {
      if (failure) throw failure.error;
      // Leased for an attempt whose completion was refused (its lease was lost): nobody will run
      // it, so it goes back at once rather than waiting out its lease.
      if (stray.length > 0) {
        // Each is leased to the worker whose slot it was for (its lock holder).
        await Promise.all(stray.map((task) => queue.release(task, task.locked_by ?? '', 'leased for a slot whose attempt lost its lease').catch(() => false)));
      }
      if (rest.length > 0) {
        const { done, handed } = await completeInTransaction(rest, true);
        for (const i of rest) answers.set(i.task.id, { status: 'fulfilled', value: { completed: done.has(i.task.id), next: handed.get(i.task.id) } });
      }
    } catch (err) {
      if (rest.length === 1) answers.set(rest[0]!.task.id, { status: 'rejected', reason: err });
      else {
        // One task's trouble (a finish hook that throws) must not hold back the others: each on
        // its own transaction, and only the one in trouble gets the error.
        for (const item of rest) {
          answers.set(
            item.task.id,
            await completeInTransaction([item], false).then(
              ({ done }) => ({ status: 'fulfilled', value: { completed: done.has(item.task.id) } }) as const,
              (reason: unknown) => ({ status: 'rejected', reason }) as const,
            ),
          );
        }
      }
    }
    return inOrder(items, answers);
  }

  // Successful attempts that finish while a commit is in flight share the next one.
  const completions = createGroupCommit<Completion, CompletionAnswer>({
    maxBatch: 100,
    // Each answer hands a worker slot its next task, whose completion follows at once: on
    // Postgres one batch per round trip carries all of them (measured: +35 % drain throughput).
    yieldBetweenBatches: !sqliteHotPath,
    flush(items) {
      const answers: Answers = new Map();
      // Tasks of a workflow run finish with their hooks, in a transaction; the rest may not need one.
      const candidates = items.filter((i) => i.task.workflow_run_id === null);
      if (candidates.length === 0) return finishRest(items, answers, items, []);
      const slots = candidates.filter((i) => i.takeNext).length;
      // What the plain step finished is answered; when that is every item, in this turn.
      const after = (plain: PlainOutcome) => {
        let left: { rest: Completion[]; stray: ClaimedTask[] };
        try {
          left = settlePlain(items, candidates, plain, answers);
        } catch (error) {
          return finishRest(items, answers, items, [], { error });
        }
        return left.rest.length === 0 && left.stray.length === 0 ? inOrder(items, answers) : finishRest(items, answers, left.rest, left.stray);
      };
      // SQLite with the connection free (a drain's batch): the commit happens now, and the
      // answers go back without a promise.
      let plain: PlainOutcome | undefined;
      try {
        plain = completePlainNow(candidates, slots);
      } catch (error) {
        return finishRest(items, answers, items, [], { error });
      }
      if (plain) return after(plain);
      return completePlain(candidates, slots, now()).then(after, (error: unknown) => finishRest(items, answers, items, [], { error }));
    },
  });

  const enqueuer = createTaskEnqueuer({ database: opts.database, agents: opts.agents, now, onQueued: opts.onQueued });

  const queue: TaskQueue = {
    enqueue: enqueuer.enqueue,
    enqueueProgram: enqueuer.enqueueProgram,
    enqueueMany: enqueuer.enqueueMany,

    async claim(workerId, slots) {
      if (slots <= 0) return [];
      const t = now();
      const claimed: ClaimedTask[] = [];
      let firstError: unknown;
      let agents: string[];
      if (sqliteHotPath) {
        // Every agent on a closed breaker in one synchronous transaction; the others (a breaker
        // to decide on) below.
        const hot = await sqliteHotPath.claim(workerId, slots, t);
        claimed.push(...hot.rows.map((r) => toClaimedTask(r, t)));
        agents = hot.breakerHeld;
      } else {
        // Postgres: every agent on a closed breaker in one statement; the others below, only
        // when slots are left (a backlog fills them without a second round trip).
        const { rows } = await claimQuery(db, claimParameters(workerId, slots, t));
        claimed.push(...rows.map((r) => toClaimedTask(r, t)));
        agents = claimed.length < slots ? await agentsHeldByBreakers(t) : [];
      }
      // Agents passed over for their breaker, one by one; one that yields less than asked leaves
      // the slots to the next.
      for (const agentId of agents) {
        const left = slots - claimed.length;
        if (left <= 0) break;
        // One agent's trouble (a lock timeout, a bad row) must not stop claiming for the others.
        try {
          claimed.push(...(await claimForAgent(agentId, workerId, left, t)));
        } catch (err) {
          firstError ??= err;
        }
      }
      if (claimed.length === 0 && firstError !== undefined) throw firstError;
      return claimed;
    },

    async extendLeases(tasks, workerId) {
      const held = new Map<string, { cancelRequested: boolean }>();
      for (let i = 0; i < tasks.length; i += LEASE_RENEWAL_CHUNK) {
        const rows = await fencedTasks(db, tasks.slice(i, i + LEASE_RENEWAL_CHUNK), workerId)
          .set({ locked_until: now() + opts.leaseMs })
          .returning(['id', 'cancel_requested'])
          .execute();
        for (const r of rows) held.set(r.id, { cancelRequested: Number(r.cancel_requested) === 1 });
      }
      return held;
    },

    async complete(task, workerId, result) {
      return (await completions.submit({ task, workerId, result, takeNext: false })).completed;
    },

    completeAndTakeNext(task, workerId, result) {
      return completions.submit({ task, workerId, result, takeNext: true });
    },

    completeAndTakeNextTo(task, workerId, result, settle) {
      completions.submitTo({ task, workerId, result, takeNext: true }, settle);
    },

    async fail(task, workerId, error, failOpts) {
      const t = now();
      const message = error.slice(0, MAX_ERROR_LENGTH);
      const willRetry = failOpts.retryable && task.attempts < task.max_attempts;
      const result = await strategy.writeTransaction(db, async (trx) => {
        const row = await fenced(trx, task, workerId)
          .set(
            willRetry
              ? {
                  status: 'queued',
                  last_error: message,
                  locked_by: null,
                  locked_until: null,
                  run_at: t + computeBackoffMs(task.attempts, { baseMs: task.retry_base_ms ?? opts.retryBaseMs, maxMs: task.retry_max_ms ?? Math.max(opts.retryMaxMs, task.retry_base_ms ?? 0) }, opts.random),
                  updated_at: t,
                }
              : { status: 'failed', last_error: message, locked_by: null, locked_until: null, finished_at: t, updated_at: t },
          )
          .returningAll()
          .executeTakeFirst();
        if (!row) return undefined;
        await finishAttempt(trx, task, willRetry ? 'retrying' : 'failed', message, t);
        // A permanent refusal (4xx) proves the agent is up: it counts as a success for the breaker.
        await reportToBreaker(trx, task, failOpts.breakerFailure ? 'failure' : 'success', t);
        if (!willRetry) await runHooks(trx, row, 'failed');
        return row.status as TaskStatus;
      });
      if (result === 'failed') opts.onTasksFinished?.([task.id], 'failed');
      if (result === 'queued') opts.onQueued?.(task.agent_id);
      return result;
    },

    async release(task, workerId, reason = 'worker shut down before the attempt finished') {
      const t = now();
      const ok = await strategy.writeTransaction(db, async (trx) => {
        const row = await fenced(trx, task, workerId)
          // The attempt number stays (it names the attempt in task_attempts and fences it); the
          // interrupted attempt is given back to the budget instead.
          .set((eb) => ({ status: 'queued', locked_by: null, locked_until: null, run_at: t, max_attempts: eb('max_attempts', '+', 1), updated_at: t }))
          .returningAll()
          .executeTakeFirst();
        if (!row) return false;
        await finishAttempt(trx, task, 'released', reason, t);
        return true;
      });
      if (ok) opts.onQueued?.(task.agent_id);
      return ok;
    },

    async finishCancelled(task, workerId) {
      const t = now();
      const ok = await strategy.writeTransaction(db, async (trx) => {
        const row = await fenced(trx, task, workerId)
          .set({ status: 'cancelled', locked_by: null, locked_until: null, last_error: 'cancelled while running', finished_at: t, updated_at: t })
          .returningAll()
          .executeTakeFirst();
        if (!row) return false;
        await finishAttempt(trx, task, 'cancelled', 'cancelled while running', t);
        await runHooks(trx, row, 'cancelled');
        return true;
      });
      if (ok) opts.onTasksFinished?.([task.id], 'cancelled');
      return ok;
    },

    async reapExpiredLeases() {
      const t = now();
      const expired = await db
        .selectFrom('tasks')
        .selectAll()
        .where('status', '=', 'running')
        .where('locked_until', '<', t)
        .limit(1000)
        .execute();
      let reaped = 0;
      for (const row of expired) {
        const task = toClaimedTask(row, Number(row.started_at ?? t));
        const outOfAttempts = task.attempts >= task.max_attempts;
        // A task asked to stop whose worker died is not run again: it ends cancelled.
        const cancelled = Number(row.cancel_requested) === 1;
        const error = `lease expired on attempt ${task.attempts}: the worker (${row.locked_by}) stopped renewing it`;
        const status = await strategy.writeTransaction(db, async (trx) => {
          const updated = await trx
            .updateTable('tasks')
            .set(
              cancelled
                ? { status: 'cancelled', last_error: `cancelled; ${error}`, locked_by: null, locked_until: null, finished_at: t, updated_at: t }
                : outOfAttempts
                  ? { status: 'failed', last_error: error, locked_by: null, locked_until: null, finished_at: t, updated_at: t }
                  : { status: 'queued', last_error: error, locked_by: null, locked_until: null, run_at: t, updated_at: t },
            )
            // Fenced on the lease that expired: a worker that renewed in the meantime keeps its task.
            .where('id', '=', task.id)
            .where('status', '=', 'running')
            .where('attempts', '=', task.attempts)
            .where('locked_until', '<', t)
            .returningAll()
            .executeTakeFirst();
          if (!updated) return undefined;
          await finishAttempt(trx, task, 'lease_expired', error, t);
          if (cancelled) await runHooks(trx, updated, 'cancelled');
          else if (outOfAttempts) await runHooks(trx, updated, 'failed');
          return updated.status as TaskStatus;
        });
        if (status) {
          reaped += 1;
          if (status === 'queued') opts.onQueued?.(task.agent_id);
          else opts.onTasksFinished?.([task.id], status);
        }
      }
      return reaped;
    },

    async cancel(id) {
      const t = now();
      const result = await strategy.writeTransaction(db, async (trx) => {
        const queued = await trx
          .updateTable('tasks')
          .set({ status: 'cancelled', cancel_requested: 1, finished_at: t, updated_at: t, last_error: 'cancelled before it ran' })
          .where('id', '=', id)
          .where('status', '=', 'queued')
          .returningAll()
          .executeTakeFirst();
        if (queued) {
          await runHooks(trx, queued, 'cancelled');
          return queued;
        }
        // A running task is told to stop: its worker sees the flag at the next lease renewal.
        const running = await trx
          .updateTable('tasks')
          .set({ cancel_requested: 1, updated_at: t })
          .where('id', '=', id)
          .where('status', '=', 'running')
          .returningAll()
          .executeTakeFirst();
        if (running) return running;
        const existing = await trx.selectFrom('tasks').select('status').where('id', '=', id).executeTakeFirst();
        if (!existing) throw new NotFoundError('task', id);
        throw new TaskStateError(id, existing.status, 'only queued or running tasks can be cancelled');
      });
      const task = toTask(result);
      if (task.status === 'cancelled') opts.onTasksFinished?.([id], 'cancelled');
      return task;
    },

    async retry(id) {
      const t = now();
      const row = await db
        .updateTable('tasks')
        // A fresh budget of attempts on top of those already made: attempt numbers keep counting up,
        // so every attempt stays distinct in task_attempts and in the lease fence.
        .set((eb) => ({
          status: 'queued',
          max_attempts: eb('attempts', '+', eb.ref('max_attempts')),
          run_at: t,
          cancel_requested: 0,
          finished_at: null,
          updated_at: t,
        }))
        .where('id', '=', id)
        .where('status', 'in', ['failed', 'cancelled'])
        .where('workflow_run_id', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (row) {
        opts.onQueued?.(row.agent_id);
        return toTask(row);
      }
      const existing = await queue.get(id);
      if (existing.workflow_run_id) {
        throw new TaskStateError(id, existing.status, 'it belongs to a workflow run; retry the run instead');
      }
      throw new TaskStateError(id, existing.status, 'only failed or cancelled tasks can be retried');
    },

    async find(id) {
      const row = await db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toTask(row) : undefined;
    },

    async get(id) {
      const task = await queue.find(id);
      if (!task) throw new NotFoundError('task', id);
      return task;
    },

    async list(filter) {
      let q = db.selectFrom('tasks');
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.agentId) q = q.where('agent_id', '=', filter.agentId);
      if (filter.workflowRunId) q = q.where('workflow_run_id', '=', filter.workflowRunId);
      const [rows, count] = await Promise.all([
        q.selectAll().orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).offset(filter.offset).execute(),
        q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst(),
      ]);
      return { tasks: rows.map(toTask), total: Number(count?.n ?? 0) };
    },

    async attempts(id) {
      const rows = await db.selectFrom('task_attempts').selectAll().where('task_id', '=', id).orderBy('attempt').execute();
      return rows.map((r) => ({
        attempt: Number(r.attempt),
        worker_id: r.worker_id,
        started_at: Number(r.started_at),
        finished_at: r.finished_at === null ? null : Number(r.finished_at),
        outcome: r.outcome,
        error: r.error,
      }));
    },

    async purgeFinished(olderThanMs) {
      const cutoff = now() - olderThanMs;
      return strategy.writeTransaction(db, async (trx) => {
        const old = trx
          .selectFrom('tasks')
          .select('id')
          .where('status', 'in', [...FINISHED_STATUSES])
          .where('finished_at', '<', cutoff);
        await trx.deleteFrom('task_attempts').where('task_id', 'in', old).execute();
        const res = await trx
          .deleteFrom('tasks')
          .where('status', 'in', [...FINISHED_STATUSES])
          .where('finished_at', '<', cutoff)
          .executeTakeFirst();
        return Number(res.numDeletedRows);
      });
    },

    async stats() {
      const rows = await db
        .selectFrom('tasks')
        .select((eb) => ['agent_id', 'status', eb.fn.countAll().as('n'), eb.fn.min('run_at').as('oldest')])
        .where('status', 'in', ['queued', 'running'])
        .groupBy(['agent_id', 'status'])
        .execute();
      const t = now();
      const stats: QueueStats = { queued: 0, running: 0, oldestQueuedAgeSeconds: 0, byAgent: {} };
      for (const r of rows) {
        const entry = (stats.byAgent[r.agent_id] ??= { queued: 0, running: 0 });
        const count = Number(r.n);
        if (r.status === 'queued') {
          entry.queued += count;
          stats.queued += count;
          stats.oldestQueuedAgeSeconds = Math.max(stats.oldestQueuedAgeSeconds, Math.max(0, (t - Number(r.oldest)) / 1000));
        } else {
          entry.running += count;
          stats.running += count;
        }
      }
      return stats;
    },

    onFinished(hook) {
      hooks.push(hook);
    },
  };
  return queue;
}
