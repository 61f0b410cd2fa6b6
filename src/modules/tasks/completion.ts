// A successful attempt on its way through the completion group commit, and its answer.

import type { TaskQueueOptions } from './task-queue';
import type { ClaimedTask } from './task';

export interface Completion {
  task: ClaimedTask;
  workerId: string;
  result: unknown;
  /** Lease the worker its next task in the same commit (the slot this attempt frees). */
  takeNext: boolean;
}

export interface CompletionAnswer {
  completed: boolean;
  next?: ClaimedTask;
}

/** Announces the tasks a commit finished as succeeded. */
export const announceSucceeded = (opts: TaskQueueOptions, ids: Iterable<string>) => opts.onTasksFinished?.([...ids], 'succeeded');
