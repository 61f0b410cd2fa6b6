// Statement programs on the real databases: the statements run in the caller's transaction (and
// roll back with it), a failed statement is thrown into the program where it can be handled, and
// asynchronous work in the middle of a program is waited for. On SQLite, inside a transaction's
// scope, a program that waits for nothing finishes before its runner returns.

import { sql } from 'kysely';
import { CompiledQuery } from 'kysely';
import { exec, receive, runProgram, runProgramNow, runSynchronously, send, sendLast, sendLastGathered, sendNow, waitOn, type DatabaseHandle, type Gathering, type Program, type Sent } from '../../src/platform/db';
import { queryTemplate } from '../../src/platform/db/query-template';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';

describeEachDatabase('statement programs', (kind) => {
  let testDb: TestDatabase;
  let database: DatabaseHandle;

  // The flags table stands in for any table: a name (primary key) and a value.
  const insertFlag = queryTemplate<'name', never>((p) =>
    database.db
      .insertInto('feature_flags')
      .values({ name: p.name, state: 'enabled', rollout_percentage: 100, conditions: '[]', description: '', source: 'api', version: 1, updated_at: 0 }),
  );
  const flagNames = async () => (await database.db.selectFrom('feature_flags').select('name').orderBy('name').execute()).map((r) => r.name);

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    database = await testDb.open();
  });
  afterEach(async () => {
    await database.db.deleteFrom('feature_flags').execute();
  });
  afterAll(async () => {
    await testDb?.cleanup();
  });

  function* insertTwo(first: string, second: string): Program<number> {
    const a = yield* exec(insertFlag.statement({ name: first }));
    const b = yield* exec(insertFlag.statement({ name: second }));
    return Number(a.numAffectedRows ?? 0) + Number(b.numAffectedRows ?? 0);
  }

  it('runs its statements in the caller’s transaction, and they roll back with it', async () => {
    const inserted = await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, insertTwo('a', 'b')));
    expect(inserted).toBe(2);
    await expect(
      database.strategy.writeTransaction(database.db, async (trx) => {
        await runProgram(database, trx, insertTwo('c', 'd'));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await flagNames()).toEqual(['a', 'b']);
  });

  it('throws a failed statement into the program, where it can be handled; unhandled, it rejects the run', async () => {
    await runProgram(database, database.db, insertTwo('taken', 'other'));
    function* insertOrReport(name: string): Program<string> {
      try {
        yield* exec(insertFlag.statement({ name }));
        return 'inserted';
      } catch (err) {
        return database.strategy.isUniqueViolation(err) ? 'duplicate' : 'other error';
      }
    }
    expect(await runProgram(database, database.db, insertOrReport('taken'))).toBe('duplicate');
    expect(await runProgram(database, database.db, insertOrReport('fresh'))).toBe('inserted');
    const failed = await runProgram(database, database.db, insertTwo('new', 'taken')).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(database.strategy.isUniqueViolation(failed)).toBe(true);
    // On its own each statement commits by itself: the first insert of the failed run stays.
    expect(await flagNames()).toEqual(['fresh', 'new', 'other', 'taken']);
  });

  it('waits for asynchronous work in the middle of a program and goes on in the same transaction', async () => {
    const order: string[] = [];
    function* withHook(): Program<void> {
      yield* exec(insertFlag.statement({ name: 'before' }));
      const seen = yield* waitOn(async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push('hook');
        return 'from the hook';
      });
      order.push(seen);
      yield* exec(insertFlag.statement({ name: 'after' }));
    }
    await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, withHook()));
    expect(order).toEqual(['hook', 'from the hook']);
    expect(await flagNames()).toEqual(['after', 'before']);
  });

  it('runs statements sent ahead in order, before the next statement it waits for, and answers them when asked', async () => {
    const countFlags = queryTemplate<never, { n: number | string }>(() => database.db.selectFrom('feature_flags').select((eb) => eb.fn.countAll().as('n')));
    function* sendThree(): Program<{ counted: number; first: number }> {
      const first = yield* send(insertFlag.statement({ name: 's1' }));
      yield* send(insertFlag.statement({ name: 's2' }));
      yield* send(insertFlag.statement({ name: 's3' }));
      // Waited for: it runs after the three, and sees them.
      const { rows } = yield* exec(countFlags.statement({}));
      const answered = yield* receive(first);
      return { counted: Number(rows[0]!.n), first: Number(answered.numAffectedRows ?? 0) };
    }
    const result = await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, sendThree()));
    expect(result).toEqual({ counted: 3, first: 1 });
    // A statement sent last and never waited for still runs before the transaction commits.
    function* sendOnly(): Program<void> {
      yield* send(insertFlag.statement({ name: 'last' }));
    }
    await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, sendOnly()));
    expect(await flagNames()).toEqual(['last', 's1', 's2', 's3']);
  });

  it('runs a statement sent last after the program’s own statements (Postgres), before work it waits on, and in order with others sent last', async () => {
    const countFlags = queryTemplate<never, { n: number | string }>(() => database.db.selectFrom('feature_flags').select((eb) => eb.fn.countAll().as('n')));
    const describeFlag = queryTemplate<'name' | 'description', never>((p) => database.db.updateTable('feature_flags').set({ description: p.description }).where('name', '=', p.name));
    let late!: Sent<never>;
    function* program(trx: Parameters<Parameters<typeof database.strategy.writeTransaction>[1]>[0]): Program<{ before: number; inHook: number }> {
      late = yield* sendLast(insertFlag.statement({ name: 'late' }));
      // A second one sent last runs after the first (it updates the row the first inserts).
      yield* sendLast(describeFlag.statement({ name: 'late', description: 'second' }));
      yield* exec(insertFlag.statement({ name: 'early' }));
      const { rows } = yield* exec(countFlags.statement({}));
      // Work the program waits on may read what the statements sent last write: they run first.
      const inHook = yield* waitOn(async () => Number((await trx.selectFrom('feature_flags').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n));
      return { before: Number(rows[0]!.n), inHook };
    }
    const seen = await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, program(trx)));
    // Where statements are pipelined (Postgres) the program's own count runs before the insert sent
    // last; where they run one by one (SQLite) it ran when it was sent.
    expect(seen).toEqual({ before: kind === 'postgres' ? 1 : 2, inHook: 2 });
    expect(Number(late.answer?.numAffectedRows)).toBe(1);
    const rows = await database.db.selectFrom('feature_flags').select(['name', 'description']).orderBy('name').execute();
    expect(rows).toEqual([
      { name: 'early', description: '' },
      { name: 'late', description: 'second' },
    ]);

    // Asked for its answer, it goes at once; never reached by a program that throws, it never runs.
    function* receivesIt(): Program<number> {
      const sent = yield* sendLast(insertFlag.statement({ name: 'received' }));
      const answered = yield* receive(sent);
      const { rows: counted } = yield* exec(countFlags.statement({}));
      return Number(answered.numAffectedRows) * 10 + Number(counted[0]!.n);
    }
    expect(await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, receivesIt()))).toBe(13);
    function* throwsFirst(): Program<void> {
      yield* sendLast(insertFlag.statement({ name: 'never' }));
      throw new Error('gave up');
    }
    await expect(database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, throwsFirst()))).rejects.toThrow('gave up');
    expect(await flagNames()).toEqual(['early', 'late', 'received']);
  });

  it('gathers the items of a gathering sent last into one statement (Postgres), in the place of the first, each answered', async () => {
    const built: string[][] = [];
    // Inserts its items as flags, in one statement for as many as it is given.
    const flags: Gathering<string, { name: string }> = {
      build(names) {
        built.push([...names]);
        const values = names.map((_, i) => (database.sqlite ? '(?' : `($${i + 1}`) + ", 'enabled', 100, '[]', '', 'api', 1, 0)").join(', ');
        return CompiledQuery.raw(
          `insert into feature_flags (name, state, rollout_percentage, conditions, description, source, version, updated_at) values ${values} returning name`,
          [...names],
        ) as CompiledQuery<{ name: string }>;
      },
    };
    const describeFlag = queryTemplate<'name' | 'description', never>((p) => database.db.updateTable('feature_flags').set({ description: p.description }).where('name', '=', p.name));
    function* program(): Program<Sent<{ name: string }>[]> {
      const first = yield* sendLastGathered(flags, 'g1');
      // Sent last after the first item: it runs after the gathered statement (it updates g3's row).
      yield* sendLast(describeFlag.statement({ name: 'g3', description: 'after' }));
      const second = yield* sendLastGathered(flags, 'g2');
      const third = yield* sendLastGathered(flags, 'g3');
      yield* exec(insertFlag.statement({ name: 'own' }));
      return [first, second, third];
    }
    const sent = await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, program()));
    // Pipelined, one statement for the three; run one by one, a statement each as it came (so the
    // update sent before g3 was inserted found nothing to change).
    expect(built).toEqual(kind === 'postgres' ? [['g1', 'g2', 'g3']] : [['g1'], ['g2'], ['g3']]);
    expect(sent.map((s) => s.answer!.rows.map((r) => r.name))).toEqual(kind === 'postgres' ? [['g1', 'g2', 'g3'], ['g1', 'g2', 'g3'], ['g1', 'g2', 'g3']] : [['g1'], ['g2'], ['g3']]);
    const rows = await database.db.selectFrom('feature_flags').select(['name', 'description']).orderBy('name').execute();
    expect(rows).toEqual([
      { name: 'g1', description: '' },
      { name: 'g2', description: '' },
      { name: 'g3', description: kind === 'postgres' ? 'after' : '' },
      { name: 'own', description: '' },
    ]);

    // Waiting for one item sends the held items; an item given after that starts a statement of its own.
    built.length = 0;
    function* receivesOne(): Program<number> {
      const first = yield* sendLastGathered(flags, 'h1');
      yield* sendLastGathered(flags, 'h2');
      const { rows: answered } = yield* receive(first);
      yield* sendLastGathered(flags, 'h3');
      return answered.length;
    }
    expect(await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, receivesOne()))).toBe(kind === 'postgres' ? 2 : 1);
    expect(built).toEqual(kind === 'postgres' ? [['h1', 'h2'], ['h3']] : [['h1'], ['h2'], ['h3']]);
    expect(await flagNames()).toEqual(['g1', 'g2', 'g3', 'h1', 'h2', 'h3', 'own']);

    // A statement that accepts no more items: the next one starts a statement of its own, after it.
    built.length = 0;
    const pairs: Gathering<string, { name: string }> = { build: flags.build, accepts: (items) => items.length < 2 };
    function* fills(): Program<void> {
      for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) yield* sendLastGathered(pairs, name);
    }
    await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, fills()));
    expect(built).toEqual(kind === 'postgres' ? [['p1', 'p2'], ['p3', 'p4'], ['p5']] : [['p1'], ['p2'], ['p3'], ['p4'], ['p5']]);
    expect((await flagNames()).filter((n) => n.startsWith('p'))).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('puts a statement sent now on the wire at once, with those sent before it, and it runs while the program goes on', async () => {
    const seen: { queuedBefore: boolean; queuedAfter: boolean[]; heldOutside: boolean } = { queuedBefore: false, queuedAfter: [], heldOutside: false };
    const lockKey = 424242;
    function* program(): Program<void> {
      const first = yield* send(insertFlag.statement({ name: 'n1' }));
      seen.queuedBefore = first.queued();
      const now = yield* sendNow(
        kind === 'postgres' ? (sql`select pg_advisory_xact_lock(${lockKey})`.compile(database.db) as never) : insertFlag.statement({ name: 'n2' }),
      );
      seen.queuedAfter = [first.queued(), now.queued()];
      if (kind === 'postgres') {
        // It runs while the program waits on other work: the lock is seen held from outside.
        seen.heldOutside = yield* waitOn(async () => {
          for (let i = 0; i < 200; i++) {
            const { rows } = await sql<{ got: boolean }>`select pg_try_advisory_xact_lock(${lockKey}) as got`.execute(database.db);
            if (!rows[0]!.got) return true;
            await new Promise((r) => setTimeout(r, 10));
          }
          return false;
        });
      }
      yield* receive(now);
    }
    await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, program()));
    expect(seen.queuedBefore).toBe(kind === 'postgres');
    expect(seen.queuedAfter).toEqual([false, false]);
    expect(seen.heldOutside).toBe(kind === 'postgres');
    expect(await flagNames()).toEqual(kind === 'postgres' ? ['n1'] : ['n1', 'n2']);
  });

  it('runs a program at once, without a promise, only on SQLite with the connection free', async () => {
    const now = runProgramNow(database, insertTwo('now1', 'now2'));
    expect(now).toEqual(kind === 'sqlite' ? { value: 2 } : undefined);
    // Held by a transaction, the connection is not free: nothing runs.
    await database.strategy.writeTransaction(database.db, async () => {
      expect(runProgramNow(database, insertTwo('held1', 'held2'))).toBeUndefined();
    });
    expect(await flagNames()).toEqual(kind === 'sqlite' ? ['now1', 'now2'] : []);
  });

  it('throws a sent statement’s failure into the program at the next statement it waits for, and the transaction rolls back', async () => {
    await runProgram(database, database.db, insertTwo('taken', 'other'));
    let caught: unknown;
    function* sendsADuplicate(): Program<string> {
      yield* send(insertFlag.statement({ name: 'fresh' }));
      yield* send(insertFlag.statement({ name: 'taken' }));
      try {
        yield* exec(insertFlag.statement({ name: 'after' }));
      } catch (err) {
        caught = err;
        throw err;
      }
      return 'not reached';
    }
    const failed = await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, sendsADuplicate())).then(
      () => undefined,
      (err: unknown) => err,
    );
    // The program is told of the duplicate itself, not of what it left behind.
    expect(database.strategy.isUniqueViolation(caught)).toBe(true);
    expect(database.strategy.isUniqueViolation(failed)).toBe(true);
    // Ending with a failed statement never waited for fails the run as well.
    function* endsOnADuplicate(): Program<void> {
      yield* send(insertFlag.statement({ name: 'fresh2' }));
      yield* send(insertFlag.statement({ name: 'other' }));
    }
    const failedAtEnd = await database.strategy.writeTransaction(database.db, (trx) => runProgram(database, trx, endsOnADuplicate())).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(database.strategy.isUniqueViolation(failedAtEnd)).toBe(true);
    expect(await flagNames()).toEqual(['other', 'taken']);
  });

  if (kind === 'sqlite') {
    it('runs synchronously on a held SQLite connection, and refuses to wait there', async () => {
      const native = database.sqlite!;
      let finishedBeforeReturn = false;
      await database.strategy.writeTransaction(database.db, async (trx) => {
        const run = runProgram(database, trx, insertTwo('x', 'y'));
        finishedBeforeReturn = native.onHeldConnection(trx, (_, prepare) => (prepare(`select count(*) as n from feature_flags`).get() as { n: number }).n === 2);
        await run;
      });
      expect(finishedBeforeReturn).toBe(true);

      function* waits(): Program<string> {
        try {
          yield* waitOn(() => Promise.resolve('never'));
          return 'waited';
        } catch (err) {
          return (err as Error).message;
        }
      }
      const answer = await native.exclusive((_, prepare) =>
        runSynchronously(waits(), (query) => ({ rows: prepare(query.sql).all(query.parameters as unknown[]) })),
      );
      expect(answer).toMatch(/synchronous statement program waited/);
      await sql`select 1`.execute(database.db);
    });
  }
});
