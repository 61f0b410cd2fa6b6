// After-commit notifications: appends announce their highest position on the `events` channel.

import { Writable } from 'node:stream';
import { createLogger } from '../../../src/platform/logger';
import { createNotifier } from '../../../src/platform/notifier';
import type { StoredEvent } from '../../../src/modules/events/event';
import type { EventStore } from '../../../src/modules/events/event-store';
import { EVENTS_CHANNEL, publishAppended, withAppendNotifications } from '../../../src/modules/events/publish-appended';

const logger = createLogger({ level: 'error', processType: 'test', stream: new Writable({ write: (_c, _e, done) => done() }) }).logger;

const event = (position: number): StoredEvent => ({
  id: `e${position}`,
  position,
  aggregate_type: 't',
  aggregate_id: 'a',
  version: position,
  type: 'Happened',
  data: {},
  metadata: {},
  timestamp: new Date(0).toISOString(),
});

function fakeStore(result: StoredEvent[] | Error): EventStore {
  const fail = () => Promise.reject(new Error('not used'));
  return {
    append: () => (result instanceof Error ? Promise.reject(result) : Promise.resolve(result)),
    appendProgram: () => {
      throw new Error('not used');
    },
    sendAppendProgram: () => {
      throw new Error('not used');
    },
    readStream: fail,
    currentVersion: fail,
    readAll: fail,
    headPosition: fail,
  };
}

describe('publishing appended events', () => {
  it('announces the highest position, and nothing for an empty append', () => {
    const notifier = createNotifier({ redis: null, logger });
    const seen: string[] = [];
    notifier.subscribe(EVENTS_CHANNEL, (p) => seen.push(p));
    publishAppended(notifier, [event(3), event(5), event(4)]);
    publishAppended(notifier, []);
    expect(seen).toEqual(['5']);
  });

  it('announces own-transaction appends, but not those in a caller transaction or that failed', async () => {
    const notifier = createNotifier({ redis: null, logger });
    const seen: string[] = [];
    notifier.subscribe(EVENTS_CHANNEL, (p) => seen.push(p));
    const append = { aggregateType: 't', aggregateId: 'a', expectedVersion: 0, events: [] };
    await withAppendNotifications(fakeStore([event(7)]), notifier).append(append);
    // The caller's transaction has not committed yet: announcing now could wake a reader too early.
    await withAppendNotifications(fakeStore([event(8)]), notifier).append(append, {} as never);
    await expect(withAppendNotifications(fakeStore(new Error('conflict')), notifier).append(append)).rejects.toThrow('conflict');
    expect(seen).toEqual(['7']);
  });
});
