// The `task-finished` notification: the ids of tasks whose finish has committed, space-separated,
// one notification per commit (a batch of completions finishes many tasks in one). Like every
// notification it is a hint: a waiter that misses it finds the task finished on its next poll.
//
// On Postgres without Redis a batch's finishing statement sends it to the other processes itself
// (finishedNoticeThroughDatabase; migration 0009), and this process's subscribers are told after
// the commit (publishFinished with `sentByDatabase`).

import type { DatabaseNotice, Notifier } from '../../platform/notifier';

const CHANNEL = 'task-finished';

/** Announces tasks whose finish has committed (nothing for an empty list). */
export function publishFinished(notifier: Notifier, ids: readonly string[], sentByDatabase = false): void {
  if (ids.length === 0) return;
  if (sentByDatabase) notifier.publishLocally(CHANNEL, ids.join(' '));
  else notifier.publish(CHANNEL, ids.join(' '));
}

/** What a finishing statement needs to send the notification itself, where notifications go through Postgres. */
export function finishedNoticeThroughDatabase(notifier: Notifier): DatabaseNotice | undefined {
  return notifier.throughDatabase(CHANNEL);
}

/** Calls handler with the ids of each notification; returns the unsubscribe function. */
export function subscribeFinished(notifier: Notifier, handler: (ids: readonly string[]) => void): () => void {
  return notifier.subscribe(CHANNEL, (payload) => handler(payload.split(' ').filter((id) => id.length > 0)));
}
