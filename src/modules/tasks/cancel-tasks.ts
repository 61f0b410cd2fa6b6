// Cancels tasks inside a caller's transaction, without finish hooks: the caller (a workflow run that
// is failing or timing out) records what the cancellation means for itself in the same commit. A
// queued task ends `cancelled` at once; a running one is asked to stop (its worker sees the flag at
// the next lease renewal and finishes it, which then runs the hooks as any finish does).

import type { Kysely } from 'kysely';
import { exec, type Program } from '../../platform/db';
import type { Database } from '../../platform/db/schema';

export interface CancelTasksOutcome {
  /** Queued tasks now `cancelled`. */
  cancelled: string[];
  /** Running tasks told to stop. */
  requested: string[];
}

export function* cancelTasksProgram(db: Kysely<Database>, ids: readonly string[], reason: string, t: number): Program<CancelTasksOutcome> {
  if (ids.length === 0) return { cancelled: [], requested: [] };
  const { rows: cancelled } = yield* exec(
    db
      .updateTable('tasks')
      .set({ status: 'cancelled', cancel_requested: 1, finished_at: t, updated_at: t, last_error: reason })
      .where('id', 'in', [...ids])
      .where('status', '=', 'queued')
      .returning('id')
      .compile(),
  );
  const { rows: requested } = yield* exec(
    db.updateTable('tasks').set({ cancel_requested: 1, updated_at: t }).where('id', 'in', [...ids]).where('status', '=', 'running').returning('id').compile(),
  );
  return { cancelled: cancelled.map((r) => r.id), requested: requested.map((r) => r.id) };
}
