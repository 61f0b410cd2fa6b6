// The outbox's notification half: after an append COMMITS, wake subscribers on the `events` channel.
// The events table is the outbox itself (an event exists only if its transaction committed), so a
// notification lost to a crash between commit and publish only delays delivery until the next poll.

import type { Notifier } from '../../platform/notifier';
import type { StoredEvent } from './event';
import type { EventStore } from './event-store';

export const EVENTS_CHANNEL = 'events';

/** Call after the transaction holding `appended` has committed. The payload is the highest position. */
export function publishAppended(notifier: Notifier, appended: readonly StoredEvent[]): void {
  if (appended.length === 0) return;
  const head = Math.max(...appended.map((e) => e.position));
  notifier.publish(EVENTS_CHANNEL, String(head));
}

/**
 * An event store whose own-transaction appends notify after commit. Appends inside a caller's
 * transaction (trx given) cannot know when it commits: the caller calls publishAppended itself.
 */
export function withAppendNotifications(store: EventStore, notifier: Notifier): EventStore {
  return {
    ...store,
    async append(opts, trx) {
      const appended = await store.append(opts, trx);
      if (!trx) publishAppended(notifier, appended);
      return appended;
    },
  };
}
