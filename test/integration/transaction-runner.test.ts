// Statements run through transactionRunner belong to the caller's transaction on every database:
// they see its writes, and its rollback undoes them; given the database itself, each stands alone.

import { CompiledQuery } from 'kysely';
import { transactionRunner, type DatabaseHandle } from '../../src/platform/db';
import { createTestDatabase, describeEachDatabase, type TestDatabase } from '../support/services';

describeEachDatabase('transaction runner', (kind) => {
  let testDb: TestDatabase;
  let database: DatabaseHandle;
  const p = (i: number) => (kind === 'postgres' ? `$${i}` : '?');
  const insertRow = (name: string) => CompiledQuery.raw(`insert into circuit_breakers (name, state, failure_count, updated_at) values (${p(1)}, 'closed', 0, 0)`, [name]);
  const countRows = (name: string) => CompiledQuery.raw(`select count(*) as n from circuit_breakers where name = ${p(1)}`, [name]) as CompiledQuery<{ n: number }>;

  beforeAll(async () => {
    testDb = await createTestDatabase(kind);
    database = await testDb.open();
  });
  afterAll(async () => {
    await testDb?.cleanup();
  });

  it("runs statements inside the caller's transaction: they see its writes and roll back with it", async () => {
    await expect(
      database.strategy.writeTransaction(database.db, async (trx) => {
        const runner = transactionRunner(database, trx);
        await runner.executeQuery(insertRow('runner-rolled-back'));
        // A write through Kysely and one through the runner, in the same transaction.
        const seen = await trx.executeQuery(countRows('runner-rolled-back'));
        expect(Number(seen.rows[0]!.n)).toBe(1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(Number((await database.db.executeQuery(countRows('runner-rolled-back'))).rows[0]!.n)).toBe(0);

    await database.strategy.writeTransaction(database.db, (trx) => transactionRunner(database, trx).executeQuery(insertRow('runner-committed')));
    expect(Number((await database.db.executeQuery(countRows('runner-committed'))).rows[0]!.n)).toBe(1);
  });

  it('given the database itself, runs each statement on its own, after any transaction holding the connection', async () => {
    const runner = transactionRunner(database, database.db);
    if (!database.sqlite) expect(runner).toBe(database.db);
    if (database.sqlite) expect(() => database.sqlite!.runOnHeldConnection(database.db, countRows('x'))).toThrow(/not the database itself/);
    // Made while another transaction holds the connection: not part of it, so its rollback keeps the row.
    let outside: Promise<unknown> | undefined;
    await expect(
      database.strategy.writeTransaction(database.db, async (trx) => {
        await trx.executeQuery(countRows('runner-outside'));
        outside = runner.executeQuery(insertRow('runner-outside'));
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await outside;
    expect(Number((await runner.executeQuery(countRows('runner-outside'))).rows[0]!.n)).toBe(1);
    // A unique violation and a bad statement reject like Kysely's own execution.
    const duplicate = await runner.executeQuery(insertRow('runner-outside')).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(database.strategy.isUniqueViolation(duplicate)).toBe(true);
    await expect(runner.executeQuery(CompiledQuery.raw('select * from no_such_table', []))).rejects.toMatchObject({ message: expect.stringMatching(/no_such_table/) });
  });

  it('a bad statement inside a transaction rejects', async () => {
    await expect(
      database.strategy.writeTransaction(database.db, (trx) => transactionRunner(database, trx).executeQuery(CompiledQuery.raw('select * from no_such_table', []))),
    ).rejects.toMatchObject({ message: expect.stringMatching(/no_such_table/) });
  });
});
