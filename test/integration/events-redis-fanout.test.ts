// Event fan-out across processes: an append announced through one notifier (its own Redis
// connections) wakes a subscription built on another, long before its poll would have.

import { Writable } from 'node:stream';
import type { DatabaseHandle } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { createNotifier, type Notifier } from '../../src/platform/notifier';
import { createRedis, type RedisHandle } from '../../src/platform/redis';
import { createEventStore } from '../../src/modules/events/event-store';
import { EVENTS_CHANNEL, withAppendNotifications } from '../../src/modules/events/publish-appended';
import { createSubscription } from '../../src/modules/events/subscription';
import { createTestDatabase, redisUrlOrSkip, type TestDatabase } from '../support/services';
import { sleep, waitUntil } from '../support/wait';

const redis = redisUrlOrSkip();
const describeWithRedis = redis.skip ? describe.skip : describe;
const logger = createLogger({ level: 'error', processType: 'test', stream: new Writable({ write: (_c, _e, done) => done() }) }).logger;

describeWithRedis(`event fan-out through Redis${redis.skip ? ` [skipped, ${redis.skip}]` : ''}`, () => {
  let testDb: TestDatabase;
  let database: DatabaseHandle;
  let redisA: RedisHandle;
  let redisB: RedisHandle;
  let notifierA: Notifier;
  let notifierB: Notifier;

  beforeAll(async () => {
    testDb = await createTestDatabase('sqlite');
    database = await testDb.open();
    redisA = createRedis(redis.url!, logger);
    redisB = createRedis(redis.url!, logger);
    notifierA = createNotifier({ redis: redisA, logger });
    notifierB = createNotifier({ redis: redisB, logger });
    await waitUntil(() => redisA.isReady() && redisB.isReady(), { what: 'redis ready' });
  });
  afterAll(async () => {
    await notifierA.close();
    await notifierB.close();
    await redisA.close();
    await redisB.close();
    await testDb.cleanup();
  });

  it('wakes a subscription in "process" A when "process" B appends and notifies', async () => {
    const seen: string[] = [];
    const sub = createSubscription({
      name: 'fanout',
      database,
      events: createEventStore(database),
      notifier: notifierA,
      logger,
      // Neither the poll nor a lease renewal would run within this test's time.
      pollIntervalMs: 60_000,
      leaseMs: 600_000,
      handler: async (e) => void seen.push(e.id),
    });
    await sub.start();
    try {
      // Wait until A's Redis subscription is live: B's probes reach a listener on A.
      let probeArrived = false;
      const off = notifierA.subscribe(EVENTS_CHANNEL, () => (probeArrived = true));
      await waitUntil(
        () => {
          notifierB.publish(EVENTS_CHANNEL, '0');
          return probeArrived;
        },
        { what: 'redis subscription of A', intervalMs: 100 },
      );
      off();
      await sleep(200); // let the passes the probes triggered finish with nothing to do
      expect(seen).toEqual([]);

      const storeB = withAppendNotifications(createEventStore(database), notifierB);
      const [event] = await storeB.append({ aggregateType: 'fanout', aggregateId: 'f1', expectedVersion: 0, events: [{ type: 'Happened', data: {} }] });
      // Far below the 60 s poll: only the notification can have delivered it.
      await waitUntil(() => seen.length === 1, { timeoutMs: 10_000, what: 'the event through redis' });
      expect(seen).toEqual([event.id]);
    } finally {
      await sub.stop();
    }
  });
});
