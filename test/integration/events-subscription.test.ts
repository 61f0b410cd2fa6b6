// Durable subscriptions over SQLite and Postgres: order, checkpoints, crash recovery, retries, leases.

import { Writable } from 'node:stream';
import type { DatabaseHandle } from '../../src/platform/db';
import { createLogger } from '../../src/platform/logger';
import { createNotifier, type Notifier } from '../../src/platform/notifier';
import type { StoredEvent } from '../../src/modules/events/event';
import { createEventStore, type EventStore } from '../../src/modules/events/event-store';
import { publishAppended, withAppendNotifications } from '../../src/modules/events/publish-appended';
import { createSubscription, type SubscriptionOptions } from '../../src/modules/events/subscription';
import { createLease } from '../../src/modules/events/subscription-lease';
import { createCheckpointStore } from '../../src/modules/events/checkpoint-store';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';
import { sleep, waitUntil } from '../support/wait';

// Expected handler failures are logged at error level; collect them instead of printing them.
const logLines: { message: string; logger: string }[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as { message: string; logger: string });
    done();
  },
});
const logger = createLogger({ level: 'warn', processType: 'test', stream: logSink }).logger;

describeEachDatabase('event subscriptions', (kind) => {
  let testDb: TestDatabase;
  let database: DatabaseHandle;
  let store: EventStore;
  let notifier: Notifier;
  let counter = 0;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    database = await testDb.open();
    store = createEventStore(database);
    notifier = createNotifier({ redis: null, logger });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });
  afterAll(async () => {
    await notifier.close();
    await testDb.cleanup();
  });

  /** Each test uses its own aggregate type so the global stream holds only its events for it. */
  function uniqueType(): string {
    counter += 1;
    return `${kind}thing${counter}`;
  }

  async function appendMany(aggregateType: string, id: string, n: number, from = 0): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    for (let i = 0; i < n; i++) {
      out.push(
        ...(await store.append({ aggregateType, aggregateId: id, expectedVersion: from + i, events: [{ type: 'Happened', data: { n: from + i + 1 } }] })),
      );
    }
    return out;
  }

  function start(opts: Partial<SubscriptionOptions> & Pick<SubscriptionOptions, 'name' | 'handler'>) {
    const sub = createSubscription({ database, events: store, notifier, logger, pollIntervalMs: 60_000, ...opts });
    stops.push(() => sub.stop());
    return sub.start().then(() => sub);
  }

  it('delivers events in order, exactly the ones of its aggregate type, and checkpoints them', async () => {
    const type = uniqueType();
    const seen: number[] = [];
    await appendMany(type, 'a', 3);
    await appendMany(uniqueType(), 'other', 2);
    const sub = await start({ name: `order-${type}`, aggregateType: type, batchSize: 2, handler: async (e) => void seen.push(Number(e.data.n)) });
    await waitUntil(() => seen.length === 3, { what: 'three events' });
    // Appended later and announced: delivered without waiting for the (60 s) poll.
    const more = await appendMany(type, 'a', 2, 3);
    publishAppended(notifier, more);
    await waitUntil(() => seen.length === 5, { what: 'five events' });
    await sub.stop();
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    expect(await createCheckpointStore(database).read(`order-${type}`)).toBe(more[1].position);
  });

  it('receives an event whose notification was lost (crash between commit and publish) in a new instance', async () => {
    const type = uniqueType();
    const name = `crash-${type}`;
    const first: string[] = [];
    const sub1 = await start({ name, aggregateType: type, handler: async (e) => void first.push(e.id) });
    const before = await appendMany(type, 'x', 1);
    publishAppended(notifier, before);
    await waitUntil(() => first.length === 1, { what: 'first event' });
    await sub1.stop();
    // The process died without releasing its lease; the lease has expired since.
    expect(await createLease({ database, name: `subscription:${name}`, owner: 'dead', ttlMs: 1000, now: () => 0 }).acquire()).toBe(true);
    // Committed, never announced: the process crashed right after the commit.
    const [lost] = await appendMany(type, 'x', 1, 1);
    const second: string[] = [];
    await start({ name, aggregateType: type, handler: async (e) => void second.push(e.id) });
    await waitUntil(() => second.length === 1, { what: 'the unannounced event' });
    expect(second).toEqual([lost.id]);
    expect(first).toEqual([before[0].id]);
  });

  it('retries a failing handler on the same event instead of skipping it', async () => {
    const type = uniqueType();
    let failuresLeft = 2;
    const attempts: number[] = [];
    const done: number[] = [];
    await appendMany(type, 'f', 2);
    await start({
      name: `retry-${type}`,
      aggregateType: type,
      retryBaseMs: 10,
      handler: async (e) => {
        attempts.push(e.version);
        if (e.version === 1 && failuresLeft-- > 0) throw new Error('downstream is down');
        done.push(e.version);
      },
    });
    await waitUntil(() => done.length === 2, { what: 'both events handled' });
    expect(attempts).toEqual([1, 1, 1, 2]);
    expect(done).toEqual([1, 2]);
    const failures = logLines.filter((l) => l.logger === `catalynx.subscription.retry-${type}` && /failed/.test(l.message));
    expect(failures).toHaveLength(2);
  });

  it('rolls back the handler writes with the checkpoint when the handler fails (transactional mode)', async () => {
    const type = uniqueType();
    let fail = true;
    await appendMany(type, 't', 1);
    const name = `tx-${type}`;
    const handled: string[] = [];
    await start({
      name,
      aggregateType: type,
      retryBaseMs: 10,
      handler: async (e, trx) => {
        await trx!.insertInto('scheduler_locks').values({ name: `mark:${e.id}`, owner: 'test', expires_at: 0 }).execute();
        if (fail) {
          fail = false;
          throw new Error('after writing');
        }
        handled.push(e.id);
      },
    });
    // Had the first attempt's insert survived, the second would hit the primary key and never succeed.
    await waitUntil(() => handled.length === 1, { what: 'the retried event' });
  });

  it('runs a subscription in one holder at a time, and another takes over when the holder stops', async () => {
    const type = uniqueType();
    const name = `lease-${type}`;
    const now = () => 1_000_000;
    const byA: number[] = [];
    const byB: number[] = [];
    await appendMany(type, 'l', 2);
    const a = await start({ name, aggregateType: type, owner: 'A', now, leaseMs: 10_000, pollIntervalMs: 20, handler: async (e) => void byA.push(e.version) });
    await waitUntil(() => byA.length === 2, { what: 'A handles' });
    const b = await start({ name, aggregateType: type, owner: 'B', now, leaseMs: 10_000, pollIntervalMs: 20, handler: async (e) => void byB.push(e.version) });
    await appendMany(type, 'l', 1, 2);
    await waitUntil(() => byA.length === 3, { what: 'A handles the third' });
    await sleep(200);
    expect(byB).toEqual([]);
    await a.stop(); // releases the lease: B takes over without waiting for expiry
    await appendMany(type, 'l', 1, 3);
    await waitUntil(() => byB.length === 1, { what: 'B takes over' });
    expect(byB).toEqual([4]);
    await b.stop();
    expect(byA).toEqual([1, 2, 3]);
  });

  it('lets a lease be taken only after it expires, decided by one conditional statement', async () => {
    let clock = 5_000;
    const now = () => clock;
    const name = `subscription:raw-${uniqueType()}`;
    const a = createLease({ database, name, owner: 'A', ttlMs: 1000, now });
    const b = createLease({ database, name, owner: 'B', ttlMs: 1000, now });
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    clock += 500;
    expect(await a.acquire()).toBe(true); // renewal: now expires at 6500
    clock += 900;
    expect(await b.acquire()).toBe(false);
    clock += 200; // 6600 > 6500: expired
    expect(await b.acquire()).toBe(true);
    expect(await a.acquire()).toBe(false);
    // Of many claimants at once, exactly one wins.
    clock += 10_000;
    const claims = await Promise.all(['C', 'D', 'E', 'F'].map((o) => createLease({ database, name, owner: o, ttlMs: 1000, now }).acquire()));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('stop() is idempotent and waits for the batch in flight', async () => {
    const type = uniqueType();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let finished = 0;
    await appendMany(type, 's', 1);
    let entered = false;
    const sub = await start({
      name: `stop-${type}`,
      aggregateType: type,
      transactional: false,
      handler: async () => {
        entered = true;
        await gate;
        finished += 1;
      },
    });
    await waitUntil(() => entered, { what: 'handler entered' });
    const s1 = sub.stop();
    const s2 = sub.stop();
    let stopped = false;
    void s1.then(() => (stopped = true));
    await sleep(50);
    expect(stopped).toBe(false);
    release();
    await Promise.all([s1, s2]);
    expect(finished).toBe(1);
    expect(await createCheckpointStore(database).read(`stop-${type}`)).toBeGreaterThan(0);
  });

  it('notifies the events channel after an append commits through withAppendNotifications', async () => {
    const type = uniqueType();
    const payloads: string[] = [];
    const off = notifier.subscribe('events', (p) => payloads.push(p));
    const notifying = withAppendNotifications(store, notifier);
    const [e] = await notifying.append({ aggregateType: type, aggregateId: 'n', expectedVersion: 0, events: [{ type: 'Happened', data: {} }] });
    off();
    expect(payloads).toEqual([String(e.position)]);
  });
});
