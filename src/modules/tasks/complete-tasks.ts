// Completing successful attempts: those that finish while a commit is in flight share the next one
// (a group commit). Each batch takes the plain step where it can (complete-plain.ts), which also
// leases the freed slots their next tasks, and the transactional path for the rest
// (complete-in-transaction.ts); one task's trouble does not hold back the others.

import { createGroupCommit } from '../../platform/db/group-commit';
import { createCompleteInTransaction } from './complete-in-transaction';
import { createPlainCompletion, type PlainOutcome } from './complete-plain';
import { announceSucceeded, handOut, leasesAskedBy, type Completion, type CompletionAnswer, type Handed } from './completion';
import { releaseTask } from './release-task';
import type { ClaimedTask } from './task';
import type { TaskQueue } from './task-queue';
import type { TaskQueueContext } from './task-queue-context';

type Answers = Map<string, PromiseSettledResult<CompletionAnswer>>;

export function createCompletions(ctx: TaskQueueContext): Pick<TaskQueue, 'complete' | 'completeAndTakeNext' | 'completeAndTakeNextTo'> {
  const { options: opts, now, sqliteHotPath } = ctx;
  const { completePlainNow, completePlain } = createPlainCompletion(ctx);
  const completeInTransaction = createCompleteInTransaction(ctx);

  /**
   * Answers the completions the plain step finished: each that asked gets one next task for its
   * slot, and what is left goes to those that asked for tasks ahead, in order; returns the leased
   * tasks nobody takes and the items the step did not finish.
   */
  function settlePlain(items: readonly Completion[], candidates: readonly Completion[], plain: PlainOutcome, answers: Answers) {
    const { done, next } = plain;
    announceSucceeded(opts, done, plain.announced);
    const { handed, count } = handOut(
      candidates.filter((i) => i.takeNext && done.has(i.task.id)),
      next,
    );
    for (const i of candidates) {
      if (done.has(i.task.id)) answers.set(i.task.id, { status: 'fulfilled', value: answerOf(i, done, handed, true) });
    }
    return { stray: next.slice(count), rest: done.size === items.length ? [] : items.filter((i) => !done.has(i.task.id)) };
  }

  /** A completion's answer for one item: `looked`, whether its commit looked for next tasks at all. */
  function answerOf(i: Completion, done: Set<string>, handed: Map<string, Handed>, looked: boolean): CompletionAnswer {
    if (!done.has(i.task.id)) return { completed: false };
    const leased = handed.get(i.task.id);
    if (leased) return leased.ahead?.length ? { completed: true, next: leased.next, ahead: leased.ahead } : { completed: true, next: leased.next };
    return looked && i.takeNext ? { completed: true, drained: true } : { completed: true };
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
        await Promise.all(stray.map((task) => releaseTask(ctx, task, task.locked_by ?? '', 'leased for a slot whose attempt lost its lease').catch(() => false)));
      }
      if (rest.length > 0) {
        // One transaction for the batch, its runs' transitions included. (Up to four of them side
        // by side, by run, paid while a transition took a dozen round trips; at two, the extra
        // transactions and commits cost more than they overlapped: bench/findings.md item 60.)
        const { done, handed, looked } = await completeInTransaction(rest, true);
        for (const i of rest) answers.set(i.task.id, { status: 'fulfilled', value: answerOf(i, done, handed, looked) });
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
      const slots = leasesAskedBy(candidates.filter((i) => i.takeNext));
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

  return {
    async complete(task, workerId, result) {
      return (await completions.submit({ task, workerId, result, takeNext: false })).completed;
    },

    completeAndTakeNext(task, workerId, result) {
      return completions.submit({ task, workerId, result, takeNext: true });
    },

    completeAndTakeNextTo(task, workerId, result, settle, ahead = 0) {
      completions.submitTo({ task, workerId, result, takeNext: true, ahead }, settle);
    },
  };
}
