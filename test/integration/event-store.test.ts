// The event store's appends on the real databases: versions decided by the database, stale writers
// refused without writing, and appends at the end of a stream for writers that serialise themselves.

import { runProgram, type DatabaseHandle, type Program } from '../../src/platform/db';
import { MAX_EVENTS_PER_APPEND, type SentAppend } from '../../src/modules/events/event-store';
import { ConcurrencyConflictError } from '../../src/modules/events/concurrency-error';
import { createEventStore, type EventStore } from '../../src/modules/events/event-store';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';

describeEachDatabase('event store appends', (kind) => {
  let testDb: TestDatabase;
  let database: DatabaseHandle;
  let store: EventStore;
  let n = 0;
  const stream = () => `stream-${(n += 1)}`;

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    database = await testDb.open();
    store = createEventStore(database);
  });
  afterAll(async () => {
    await testDb?.cleanup();
  });

  it('appends at the expected version and refuses a stale one, writing nothing', async () => {
    const id = stream();
    const first = await store.append({ aggregateType: 'thing', aggregateId: id, expectedVersion: 0, events: [{ type: 'A', data: { n: 1 } }, { type: 'B', data: {} }] });
    expect(first.map((e) => e.version)).toEqual([1, 2]);
    const stale = store.append({ aggregateType: 'thing', aggregateId: id, expectedVersion: 1, events: [{ type: 'C', data: {} }] });
    await expect(stale).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(stale).rejects.toMatchObject({ expectedVersion: 1, currentVersion: 2 });
    expect((await store.readStream('thing', id)).map((e) => e.type)).toEqual(['A', 'B']);
  });

  it('lets exactly one of two writers with the same expected version in', async () => {
    const id = stream();
    await store.append({ aggregateType: 'thing', aggregateId: id, expectedVersion: 0, events: [{ type: 'A', data: {} }] });
    const results = await Promise.allSettled(
      ['X', 'Y'].map((type) => store.append({ aggregateType: 'thing', aggregateId: id, expectedVersion: 1, events: [{ type, data: {} }] })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason)).toEqual([expect.any(ConcurrencyConflictError)]);
    expect(await store.currentVersion('thing', id)).toBe(2);
  });

  it("appends at the end with 'any', on its own and inside a caller's transaction, and a rollback leaves nothing", async () => {
    const id = stream();
    const fresh = await store.append({ aggregateType: 'thing', aggregateId: id, expectedVersion: 'any', events: [{ type: 'A', data: {} }] });
    expect(fresh.map((e) => e.version)).toEqual([1]);
    const inTx = await database.strategy.writeTransaction(database.db, (trx) =>
      store.append({ aggregateType: 'thing', aggregateId: id, expectedVersion: 'any', events: [{ type: 'B', data: { k: 1 } }, { type: 'C', data: {} }, { type: 'D', data: {} }] }, trx),
    );
    expect(inTx.map((e) => [e.version, e.type])).toEqual([
      [2, 'B'],
      [3, 'C'],
      [4, 'D'],
    ]);
    await expect(
      database.strategy.writeTransaction(database.db, async (trx) => {
        await store.append({ aggregateType: 'thing', aggregateId: id, expectedVersion: 'any', events: [{ type: 'E', data: {} }] }, trx);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const all = await store.readStream('thing', id);
    expect(all.map((e) => e.version)).toEqual([1, 2, 3, 4]);
    expect(all[1]!.data).toEqual({ k: 1 });
    // Other streams are not counted.
    expect((await store.append({ aggregateType: 'other', aggregateId: id, expectedVersion: 'any', events: [{ type: 'Z', data: {} }] }))[0]!.version).toBe(1);
  });

  it('appends sent last by one transaction land at the ends of their streams, in order, each answering its own events', async () => {
    const [a, b] = [stream(), stream()];
    await store.append({ aggregateType: 'thing', aggregateId: a, expectedVersion: 'any', events: [{ type: 'A0', data: {} }] });
    function* appendMany(): Program<SentAppend[]> {
      // On Postgres these four go out as one statement with the commit; on SQLite each runs at once.
      return [
        yield* store.sendAppendProgram({ aggregateType: 'thing', aggregateId: a, expectedVersion: 'any', events: [{ type: 'A1', data: { n: 1 } }] }),
        yield* store.sendAppendProgram({ aggregateType: 'thing', aggregateId: b, expectedVersion: 'any', events: [{ type: 'B1', data: {} }, { type: 'B2', data: {} }] }),
        yield* store.sendAppendProgram({ aggregateType: 'thing', aggregateId: a, expectedVersion: 'any', events: [{ type: 'A2', data: { quote: 'say "hi"\\' } }, { type: 'A3', data: {} }] }),
        yield* store.sendAppendProgram({ aggregateType: 'other', aggregateId: a, expectedVersion: 'any', events: [{ type: 'O1', data: {} }] }),
      ];
    }
    const sent = await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, appendMany()));
    expect(sent.map((s) => s.events().map((e) => [e.aggregate_id === a ? 'a' : 'b', e.version, e.type]))).toEqual([
      [['a', 2, 'A1']],
      [
        ['b', 1, 'B1'],
        ['b', 2, 'B2'],
      ],
      [
        ['a', 3, 'A2'],
        ['a', 4, 'A3'],
      ],
      [['a', 1, 'O1']],
    ]);
    const streamA = await store.readStream('thing', a);
    expect(streamA.map((e) => e.type)).toEqual(['A0', 'A1', 'A2', 'A3']);
    expect(streamA[2]!.data).toEqual({ quote: 'say "hi"\\' });
    expect(sent.flatMap((s) => s.events())).toEqual([...streamA.slice(1, 2), ...(await store.readStream('thing', b)), ...streamA.slice(2), ...(await store.readStream('other', a))]);
    // Positions follow the order the appends were given.
    const positions = sent.flatMap((s) => s.events().map((e) => e.position));
    expect(positions).toEqual([...positions].sort((x, y) => x - y));

    // A transaction that fails appends nothing.
    function* appendThenFail(): Program<void> {
      yield* store.sendAppendProgram({ aggregateType: 'thing', aggregateId: a, expectedVersion: 'any', events: [{ type: 'lost', data: {} }] });
      yield* store.sendAppendProgram({ aggregateType: 'thing', aggregateId: b, expectedVersion: 'any', events: [{ type: 'lost', data: {} }] });
      throw new Error('changed my mind');
    }
    await expect(database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, appendThenFail()))).rejects.toThrow('changed my mind');
    expect((await store.readStream('thing', a)).length + (await store.readStream('thing', b)).length).toBe(6);
  });

  it('numbers a stream on across the statements a large transaction’s appends are split into', async () => {
    const id = stream();
    const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ type: `${prefix}${i}`, data: { i } }));
    function* appendLots(): Program<SentAppend[]> {
      // 9,000 events: in one statement, 72,000 parameters, more than Postgres takes.
      const sent: SentAppend[] = [];
      for (const prefix of ['a', 'b', 'c']) sent.push(yield* store.sendAppendProgram({ aggregateType: 'thing', aggregateId: id, expectedVersion: 'any', events: many(prefix, 3000) }));
      return sent;
    }
    const sent = await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, appendLots()));
    expect(sent.map((s) => s.events().map((e) => e.version))).toEqual([0, 1, 2].map((k) => Array.from({ length: 3000 }, (_, i) => k * 3000 + i + 1)));
    const stored = await store.readStream('thing', id);
    expect(stored.map((e) => e.type)).toEqual([...many('a', 3000), ...many('b', 3000), ...many('c', 3000)].map((e) => e.type));
    const positions = stored.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((x, y) => x - y));
  });

  it('refuses an append of more events than one statement carries, writing nothing', async () => {
    const id = stream();
    const events = Array.from({ length: MAX_EVENTS_PER_APPEND + 1 }, (_, i) => ({ type: 'E', data: { i } }));
    await expect(store.append({ aggregateType: 'thing', aggregateId: id, expectedVersion: 0, events })).rejects.toThrow(`at most ${MAX_EVENTS_PER_APPEND} events`);
    await expect(store.append({ aggregateType: 'thing', aggregateId: id, expectedVersion: 'any', events })).rejects.toThrow(RangeError);
    function* sendsTooMany(): Program<void> {
      yield* store.sendAppendProgram({ aggregateType: 'thing', aggregateId: id, expectedVersion: 'any', events: events.slice(0, 1) });
      yield* store.sendAppendProgram({ aggregateType: 'thing', aggregateId: id, expectedVersion: 'any', events });
    }
    await expect(database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, sendsTooMany()))).rejects.toThrow(RangeError);
    expect(await store.readStream('thing', id)).toEqual([]);
    // The largest allowed goes in.
    expect(await store.append({ aggregateType: 'thing', aggregateId: id, expectedVersion: 0, events: events.slice(1) })).toHaveLength(MAX_EVENTS_PER_APPEND);
  });

  it('returns the events exactly as they are stored: ids, positions, data and metadata, one event or several', async () => {
    const id = stream();
    const one = await store.append({ aggregateType: 'thing', aggregateId: id, expectedVersion: 0, events: [{ type: 'A', data: { when: new Date(0), n: 1 }, metadata: { by: 'test' } }] });
    const several = await store.append({
      aggregateType: 'thing',
      aggregateId: id,
      expectedVersion: 1,
      events: [{ type: 'B', data: { list: [1, 2] } }, { type: 'C', data: {} }, { type: 'D', data: { nested: { deep: true } } }],
    });
    const stored = await store.readStream('thing', id);
    expect([...one, ...several]).toEqual(stored);
    // JSON as stored: the Date came back as its string.
    expect(stored[0]!.data).toEqual({ when: '1970-01-01T00:00:00.000Z', n: 1 });
    const positions = stored.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(4);
  });

  it('an append made while another transaction holds the connection is not part of that transaction', async () => {
    const ids = Array.from({ length: 5 }, stream);
    const appends: Promise<unknown>[] = [];
    for (const [i, id] of ids.entries()) {
      // The transaction holds the connection across awaits; the append, made meanwhile and
      // outside it, must wait for it and survive its rollback.
      await database.strategy
        .writeTransaction(database.db, async (trx) => {
          await trx.selectFrom('events').select('position').limit(1).execute();
          appends.push(store.append({ aggregateType: 'thing', aggregateId: id, expectedVersion: 0, events: [{ type: `E${i}`, data: { i } }] }));
          await new Promise((resolve) => setImmediate(resolve));
          throw new Error('rolled back');
        })
        .catch((err: Error) => expect(err.message).toBe('rolled back'));
    }
    await Promise.all(appends);
    const stored = await Promise.all(ids.map((id) => store.readStream('thing', id)));
    expect(stored.map((events) => events.map((e) => [e.version, e.type]))).toEqual(ids.map((_, i) => [[1, `E${i}`]]));
  });
});
