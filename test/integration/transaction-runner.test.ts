// Statements run through transactionRunner belong to the caller's transaction on every database:
// they see its writes, and its rollback undoes them.

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

  it('given the database itself, runs through Kysely; a bad statement rejects', async () => {
    expect(transactionRunner(database, database.db)).toBe(database.db);
    if (database.sqlite) expect(() => database.sqlite!.runOnHeldConnection(database.db, countRows('x'))).toThrow(/not the database itself/);
    await expect(
      database.strategy.writeTransaction(database.db, (trx) => transactionRunner(database, trx).executeQuery(CompiledQuery.raw('select * from no_such_table', []))),
    ).rejects.toMatchObject({ message: expect.stringMatching(/no_such_table/) });
  });
});
