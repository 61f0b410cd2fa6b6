// A successful attempt on its way through the completion group commit, and its answer.

import type { TaskQueueOptions } from './task-queue';
import type { ClaimedTask } from './task';

export interface Completion {
  task: ClaimedTask;
  workerId: string;
  result: unknown;
  /** Lease the worker its next task in the same commit (the slot this attempt frees). */
  takeNext: boolean;
  /**
   * With takeNext: also lease up to this many tasks ahead, for the worker to start as its slots
   * free (only where the batch finishes without a transaction: tasks outside a workflow run).
   */
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

/** Announces the tasks a commit finished as succeeded (`sentByDatabase`: its statement notified the other processes). */
export const announceSucceeded = (opts: TaskQueueOptions, ids: Iterable<string>, sentByDatabase = false) => opts.onTasksFinished?.([...ids], 'succeeded', sentByDatabase);
