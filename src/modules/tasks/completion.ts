// A successful attempt on its way through the completion group commit, and its answer.

import type { TaskQueueOptions } from './task-queue';
import type { ClaimedTask } from './task';

export interface Completion {
  task: ClaimedTask;
  workerId: string;
  result: unknown;
  /** Lease the worker its next task in the same commit (the slot this attempt frees). */
  takeNext: boolean;
  /** With takeNext: also lease up to this many tasks ahead, for the worker to start as its slots free. */
  ahead?: number;
}

export interface CompletionAnswer {
  completed: boolean;
  next?: ClaimedTask;
  /** The tasks leased ahead (at most the number asked for; fewer when fewer were due). */
  ahead?: ClaimedTask[];
  /**
   * The commit looked for a next task for this slot and found none due: a claim right after it
   * would find nothing that no wake-up announces (work queued since then publishes one).
   */
  drained?: true;
}

/** What one finished attempt's slot was leased: its next task, and the tasks ahead it asked for. */
export interface Handed {
  next: ClaimedTask;
  ahead?: ClaimedTask[];
}

/** Tasks the commit of `takers` (finished attempts that asked for a next task) may lease: one a slot and the tasks ahead they asked for. */
export const leasesAskedBy = (takers: readonly Completion[]) => takers.reduce((n, i) => n + 1 + (i.ahead ?? 0), 0);

/**
 * Hands out what a commit leased for `takers`, in order: every slot its next task first, then
 * what is left to those that asked for tasks ahead. `count` is how many were handed; the rest of
 * `leased` nobody takes.
 */
export function handOut(takers: readonly Completion[], leased: readonly ClaimedTask[]): { handed: Map<string, Handed>; count: number } {
  const handed = new Map<string, Handed>();
  let count = 0;
  for (const i of takers) {
    if (count === leased.length) break;
    handed.set(i.task.id, { next: leased[count++]! });
  }
  for (const i of takers) {
    if (count === leased.length) break;
    if (!i.ahead) continue;
    const take = Math.min(i.ahead, leased.length - count);
    handed.get(i.task.id)!.ahead = leased.slice(count, count + take);
    count += take;
  }
  return { handed, count };
}

/** Announces the tasks a commit finished as succeeded (`sentByDatabase`: its statement notified the other processes). */
export const announceSucceeded = (opts: TaskQueueOptions, ids: Iterable<string>, sentByDatabase = false) => opts.onTasksFinished?.([...ids], 'succeeded', sentByDatabase);
