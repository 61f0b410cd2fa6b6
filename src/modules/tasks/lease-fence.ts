// The lease fence: an update of an attempt's task that only the lease holder, on that attempt,
// while the task runs, can make (the database decides a race with a reaper or another worker).

import type { QueryCreator } from 'kysely';
import type { Tx } from '../../platform/db';
import type { Database } from '../../platform/db/schema';
import type { ClaimedTask } from './task';

/** An update of one attempt's task, guarded by the lease: only its holder, on that attempt, while running. */
export const fenced = (q: Tx, task: ClaimedTask, workerId: string) =>
  q
    .updateTable('tasks')
    .where('id', '=', task.id)
    .where('status', '=', 'running')
    .where('locked_by', '=', workerId)
    .where('attempts', '=', task.attempts);

/** An update of a batch of attempts' tasks, each guarded by its lease like `fenced`. */
export const fencedTasks = (q: QueryCreator<Database>, tasks: readonly ClaimedTask[], workerId: string) =>
  q
    .updateTable('tasks')
    // The plain id list lets the planner find the rows by primary key (a row-value IN alone
    // does not); the row values fence each task on its own attempt.
    .where('id', 'in', tasks.map((task) => task.id))
    .where((eb) => eb(eb.refTuple('id', 'attempts'), 'in', tasks.map((task) => eb.tuple(task.id, task.attempts))))
    .where('status', '=', 'running')
    .where('locked_by', '=', workerId);
