// The transactional half of completion: successes with finish hooks (a workflow run's tasks), on a
// breaker to update, or refused by the plain step, finish in one transaction with their hooks.

import { sql } from 'kysely';
import type { CircuitBreakersTable, TasksTable } from '../../platform/db/schema';
import { receive, runProgram, send, waitOn, type Program, type Sent, type Tx } from '../../platform/db';
import { queryTemplate, type Placeholders } from '../../platform/db/query-template';
import { agentBreakerName, agentBreakerNameOf, toSnapshot } from '../agents/breaker-store';
import { claimParameters, createClaimNowaitQuery } from './claim-tasks';
import { announceSucceeded, handOut, leasesAskedBy, type Completion, type Handed } from './completion';
import { hooksOf } from './finish-hooks';
import { reportToBreaker } from './report-to-breaker';
import { toClaimedTask } from './task';
import type { TaskQueueContext } from './task-queue-context';

/**
 * `handed`: the next tasks (and tasks ahead) leased for the slots of finished attempts that asked,
 * by the finished task's id; `looked`: whether the commit looked for them at all (a slot that
 * asked and is not in `handed` then found none due).
 */
export type CompleteInTransaction = (
  batch: readonly Completion[],
  takeNext: boolean,
) => Promise<{ done: Set<string>; handed: Map<string, Handed>; looked: boolean }>;

export function createCompleteInTransaction(ctx: TaskQueueContext): CompleteInTransaction {
  const { db, strategy, options: opts, now, sqliteHotPath } = ctx;

  /**
   * Completes `k` attempts of one worker (placeholders id0, attempts0, result0, …): one CASE gives
   * each task its own result; the plain id list lets the planner find the rows by primary key (a
   * row-value IN alone does not), and the row values fence each task on its own attempt.
   */
  const completeBatchUpdate = (p: Placeholders<string>, k: number) => {
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
  };
  const completeBatchQuery = queryTemplate<string, TasksTable>(completeBatchUpdate);
  /**
   * Postgres: the same update, its attempt rows closed and each task's breaker checked in one
   * statement (data-modifying CTEs), so a batch's completion costs one statement instead of three.
   * `breaker_unclean`: the agent's breaker is not closed-and-clean, so its success is recorded.
   */
  const completeBatchWithAttemptsQuery = queryTemplate<string, TasksTable & { breaker_unclean: boolean }>((p, k) =>
    sql<TasksTable & { breaker_unclean: boolean }>`with done as (${completeBatchUpdate(p, k)}),
      closed as (
        update task_attempts a set finished_at = ${p.t}, outcome = 'succeeded', error = null
        from done where a.task_id = done.id and a.attempt = done.attempts
      )
      select done.*, exists (
        select 1 from circuit_breakers cb
        where cb.name = ${agentBreakerNameOf(sql.ref('done.agent_id'))} and (cb.state <> 'closed' or cb.failure_count <> 0)
      ) as breaker_unclean
      from done`.compile(db),
  );
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
   * all the tasks, with their attempt rows and a breaker check (one statement on Postgres, three
   * on SQLite), then the per-task work only where there is some (a breaker that is not clean,
   * finish hooks). Returns the ids it finished; a task whose lease was lost is left alone.
   */
  function* completeAll(trx: Tx, items: readonly Completion[], t: number): Program<Set<string>> {
    // Postgres closes the attempt rows and checks the breakers in the update's own statement.
    // SQLite reads the batch's breakers (ahead: the update does not change them) and closes the
    // attempt rows after.
    const combined = strategy.supportsDataModifyingCte;
    let breakersRead: Sent<CircuitBreakersTable> | undefined;
    if (!combined) {
      const names: Record<string, unknown> = {};
      const agents = [...new Set(items.map((i) => i.task.agent_id))];
      agents.forEach((agentId, i) => (names[`name${i}`] = agentBreakerName(agentId)));
      breakersRead = yield* send(breakersQuery.statement(names, agents.length));
    }
    const byWorker = new Map<string, Completion[]>();
    for (const i of items) byWorker.set(i.workerId, [...(byWorker.get(i.workerId) ?? []), i]);
    const updates: Sent<TasksTable & { breaker_unclean?: boolean }>[] = [];
    for (const [workerId, group] of byWorker) {
      const values: Record<string, unknown> = { t, worker: workerId };
      group.forEach((item, i) => {
        values[`id${i}`] = item.task.id;
        values[`attempts${i}`] = item.task.attempts;
        values[`result${i}`] = JSON.stringify(item.result ?? null);
      });
      updates.push(yield* send((combined ? completeBatchWithAttemptsQuery : completeBatchQuery).statement(values, group.length)));
    }
    // The hooks' owners prepare in the same round trip, after the updates (a saga locks its runs).
    const inRuns = items.filter((i) => i.task.workflow_run_id !== null);
    if (inRuns.length > 0) for (const prepare of ctx.preparations) yield* prepare(trx, inRuns, t);
    const rows: (TasksTable & { breaker_unclean?: boolean })[] = [];
    for (const update of updates) rows.push(...(yield* receive(update)).rows);
    if (rows.length === 0) return new Set();
    // A success on a closed, clean breaker changes nothing; only the others take the lock and write.
    let unclean: (row: (typeof rows)[number]) => boolean = (row) => row.breaker_unclean === true;
    if (breakersRead) {
      const attempts: Record<string, unknown> = { t };
      rows.forEach((r, i) => {
        attempts[`task${i}`] = r.id;
        attempts[`attempt${i}`] = Number(r.attempts);
      });
      yield* send(closeAttemptsQuery.statement(attempts, rows.length));
      const breakers = new Map((yield* receive(breakersRead)).rows.map((r) => [r.name, toSnapshot(r)]));
      unclean = (row) => {
        const current = breakers.get(agentBreakerName(row.agent_id));
        return current !== undefined && !(current.state === 'closed' && current.failureCount === 0);
      };
    }
    const claimedBy = new Map(items.map((i) => [i.task.id, i.task]));
    // Breaker locks in agent order, so two batches never wait on each other's locks crosswise.
    for (const row of [...rows].sort((a, b) => (a.agent_id < b.agent_id ? -1 : a.agent_id > b.agent_id ? 1 : 0))) {
      if (unclean(row)) yield* waitOn(() => reportToBreaker(ctx, trx, claimedBy.get(row.id)!, 'success', t));
    }
    // Hooks lock their workflow runs: in run order, so two batches holding tasks of the same runs
    // (parallel branches) never wait on each other's run locks crosswise.
    const byRun = (a: TasksTable, b: TasksTable) => ((a.workflow_run_id ?? '') < (b.workflow_run_id ?? '') ? -1 : (a.workflow_run_id ?? '') > (b.workflow_run_id ?? '') ? 1 : 0);
    for (const row of [...rows].sort(byRun)) yield* hooksOf(ctx, trx, row, 'succeeded');
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Postgres: leases the worker up to `slots` next tasks inside the completion's transaction
   * (it never waits for an agent's claim lock, since this transaction holds run locks and the
   * append lock).
   */
  const claimNowaitQuery = createClaimNowaitQuery(db);

  /**
   * The completions and, with `takeNext`, the claim for the slots they free, sent last: it sees the
   * tasks the hooks queued (a saga's next step) and goes out with COMMIT, in the same round trip.
   * Its answer is read once the transaction has committed.
   */
  function* completeAndClaim(trx: Tx, batch: readonly Completion[], t: number, takeNext: boolean): Program<{ done: Set<string>; takers: Completion[]; claim?: Sent<TasksTable>; claimedAt: number }> {
    const done = yield* completeAll(trx, batch, t);
    const takers = takeNext ? batch.filter((i) => i.takeNext && done.has(i.task.id)) : [];
    const workerId = takers[0]?.workerId;
    // Read the clock again: a task the hooks queued is due from the moment they queued it.
    const claimedAt = now();
    if (workerId === undefined || takers.some((i) => i.workerId !== workerId)) return { done, takers: [], claimedAt };
    const claim = yield* send(claimNowaitQuery.statement(claimParameters(opts, workerId, leasesAskedBy(takers), claimedAt)));
    return { done, takers, claim, claimedAt };
  }

  /**
   * Completions with finish hooks (a workflow run's tasks), in one transaction. With `takeNext`,
   * the slots they free are leased their next tasks in the same commit, as for plain completions:
   * a saga's next step, queued by the hooks, among them; so a step's slot goes straight on to the
   * next step without a claim of its own.
   */
  return async function completeInTransaction(batch, takeNext) {
    const t = now();
    if (!sqliteHotPath) {
      const { done, takers, claim, claimedAt } = await strategy.writeTransaction(db, (trx) => runProgram(ctx.database, trx, completeAndClaim(trx, batch, t, takeNext)));
      announceSucceeded(opts, done);
      if (!claim) return { done, handed: new Map<string, Handed>(), looked: false };
      // Answered before COMMIT was, so it is at hand (a promise only when the statements ran one by one).
      const { rows } = claim.answer ?? (await claim.result());
      const leased = rows.map((r) => toClaimedTask(r, claimedAt));
      return { done, handed: handOut(takers, leased).handed, looked: true };
    }
    const { done, handed, looked } = await strategy.writeTransaction(db, async (trx) => {
      const done = await runProgram(ctx.database, trx, completeAll(trx, batch, t));
      const takers = takeNext ? batch.filter((i) => i.takeNext && done.has(i.task.id)) : [];
      const workerId = takers[0]?.workerId;
      if (workerId === undefined || takers.some((i) => i.workerId !== workerId)) return { done, handed: new Map<string, Handed>(), looked: false };
      // Read the clock again: a task the hooks queued is due from the moment they queued it.
      const claimedAt = now();
      const next = sqliteHotPath.claimWithin(trx, workerId, leasesAskedBy(takers), claimedAt).rows.map((r) => toClaimedTask(r, claimedAt));
      return { done, handed: handOut(takers, next).handed, looked: true };
    });
    announceSucceeded(opts, done);
    return { done, handed, looked };
  };
}
