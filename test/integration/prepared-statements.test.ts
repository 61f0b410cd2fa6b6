// Postgres statements run prepared per connection; a schema change under a prepared statement is
// absorbed outside a transaction and surfaces once inside one.

import { sql } from 'kysely';
import { createDatabase, type DatabaseHandle } from '../../src/platform/db';
import { MAX_PREPARED } from '../../src/platform/db/prepared-statements';
import { createTestDatabase, postgresUrlOrSkip, type TestDatabase } from '../support/services';

const pgUrl = postgresUrlOrSkip();
const describePg = pgUrl.skip ? describe.skip : describe;

describePg(`prepared statements on Postgres${pgUrl.skip ? ` [skipped: ${pgUrl.skip}]` : ''}`, () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    // One connection, so every statement below meets the same prepared statements.
    handle = createDatabase(database.target, { poolSize: 1 });
    await sql`create table notes (id integer primary key, body text not null)`.execute(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    await database?.cleanup();
  });

  const readNote = (id: number) => sql<Record<string, unknown>>`select * from notes where id = ${id}`.execute(handle.db);

  it('prepares a parameterised statement once and reuses it', async () => {
    await sql`insert into notes (id, body) values (${1}, ${'first'})`.execute(handle.db);
    await readNote(1);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where statement like ${'%from notes where id = $1%'}`.execute(handle.db);
    expect(rows[0]!.n).toBe(1);
    expect((await readNote(1)).rows).toEqual([{ id: 1, body: 'first' }]);
  });

  it('absorbs a column added under a prepared statement outside a transaction', async () => {
    await readNote(1);
    await sql`alter table notes add column tag text`.execute(handle.db);
    expect((await readNote(1)).rows).toEqual([{ id: 1, body: 'first', tag: null }]);
  });

  it('inside a transaction fails that transaction once, and the retry sees the new columns', async () => {
    await readNote(1);
    await sql`alter table notes add column score integer`.execute(handle.db);
    await expect(handle.db.transaction().execute((trx) => sql`select * from notes where id = ${1}`.execute(trx))).rejects.toThrow(/cached plan must not change result type/);
    const again = await handle.db.transaction().execute((trx) => sql<Record<string, unknown>>`select * from notes where id = ${1}`.execute(trx));
    expect(again.rows).toEqual([{ id: 1, body: 'first', tag: null, score: null }]);
  });

  it(`stops preparing new texts past ${MAX_PREPARED} per connection and still runs them`, async () => {
    for (let i = 0; i < MAX_PREPARED + 5; i++) {
      const { rows } = await sql<{ v: number }>`select ${i}::int + ${sql.raw(String(i))} as v`.execute(handle.db);
      expect(rows[0]!.v).toBe(2 * i);
    }
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(handle.db);
    expect(rows[0]!.n).toBe(MAX_PREPARED);
  });
});
