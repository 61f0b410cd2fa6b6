// The plain half of completion: successes that need nothing but their own rows written (no
// workflow run, the agent's breaker closed and clean) finish in one statement (Postgres) or
// transaction (SQLite), and the same commit leases the worker its next tasks.

import { sql } from 'kysely';
import type { TasksTable } from '../../platform/db/schema';
import { queryTemplate } from '../../platform/db/query-template';
import { claimParameters } from './claim-tasks';
import type { Completion } from './completion';
import type { SqliteClaim } from './sqlite-hot-path';
import { toClaimedTask, type ClaimedTask } from './task';
import type { TaskQueueContext } from './task-queue-context';

export interface PlainOutcome {
  /** The tasks finished. */
  done: Set<string>;
  /** The finishing statement sent their `task-finished` notification to the other processes itself. */
  announced?: true;
  /** The tasks leased for the slots they freed. */
  next: ClaimedTask[];
}

export interface PlainCompletion {
  completePlainNow(items: readonly Completion[], slots: number): PlainOutcome | undefined;
  completePlain(items: readonly Completion[], slots: number, t: number): Promise<PlainOutcome>;
}

export function createPlainCompletion(ctx: TaskQueueContext): PlainCompletion {
  const { db, options: opts, now, sqliteHotPath } = ctx;

  /**
   * Postgres: catalynx_finish_and_claim (migrations 0004, 0005, 0009) finishes the batch's successes that need
   * nothing more than their rows written (outside a workflow run, no finish hooks; the agent's
   * breaker closed and clean, so a success changes nothing) and then leases the worker up to
   * `slots` next tasks, in one statement and one round trip. It answers the rows it changed: the
   * finished ones ('succeeded') and the leased ones ('running'). The batch travels as arrays, so
   * the statement text is the same for every batch size and is planned once per connection. Where
   * notifications go through Postgres, it also sends the finished tasks' `task-finished`
   * notification, which would otherwise take a statement of its own after the commit.
   */
  const finishAndClaimQuery = queryTemplate<
    'ids' | 'attempts' | 'results' | 'worker' | 'slots' | 't' | 'until' | 'defaultLimit' | 'limits' | 'notifyChannel' | 'notifyOrigin',
    TasksTable
  >((p) =>
    sql<TasksTable>`select * from catalynx_finish_and_claim(${p.ids}::text[], ${p.attempts}::integer[], ${p.results}::text[], ${p.worker}::text,
      ${p.slots}::integer, ${p.t}::bigint, ${p.until}::bigint, ${p.defaultLimit}::integer, ${p.limits}::jsonb, ${p.notifyChannel}::text, ${p.notifyOrigin}::text)`.compile(db),
  );
  const notice = opts.finishedNotice;

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
      ...claimParameters(opts, workerId, slots, t),
      notifyChannel: notice?.channel ?? null,
      notifyOrigin: notice?.origin ?? null,
    });
    const done = new Set<string>();
    const next: ClaimedTask[] = [];
    for (const r of rows) {
      if (r.status === 'running') next.push(toClaimedTask(r, t));
      else done.add(r.id);
    }
    return notice ? { done, next, announced: true } : { done, next };
  }

  return { completePlainNow, completePlain };
}
