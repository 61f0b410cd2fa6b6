// The `task-finished` notification: the ids of tasks whose finish has committed, space-separated,
// one notification per commit (a batch of completions finishes many tasks in one). Like every
// notification it is a hint: a waiter that misses it finds the task finished on its next poll.

import type { Notifier } from '../../platform/notifier';

const CHANNEL = 'task-finished';

/** Announces tasks whose finish has committed (nothing for an empty list). */
export function publishFinished(notifier: Notifier, ids: readonly string[]): void {
  if (ids.length > 0) notifier.publish(CHANNEL, ids.join(' '));
}

/** Calls handler with the ids of each notification; returns the unsubscribe function. */
export function subscribeFinished(notifier: Notifier, handler: (ids: readonly string[]) => void): () => void {
  return notifier.subscribe(CHANNEL, (payload) => handler(payload.split(' ').filter((id) => id.length > 0)));
}
