import { Kysely, SqliteDialect, sql } from 'kysely';
import BetterSqlite3 from 'better-sqlite3';
import { queryTemplate } from '../../../src/platform/db/query-template';

interface Db {
  items: { id: number; name: string; size: number };
}

describe('query templates', () => {
  let db: Kysely<Db>;
  beforeAll(async () => {
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new BetterSqlite3(':memory:') }) });
    await sql`create table items (id integer primary key, name text not null, size integer not null)`.execute(db);
    await db
      .insertInto('items')
      .values([
        { id: 1, name: 'a', size: 10 },
        { id: 2, name: 'b', size: 20 },
        { id: 3, name: 'c', size: 30 },
      ])
      .execute();
  });
  afterAll(() => db.destroy());

  it('compiles once and runs with new values each call, keeping constants Kysely put in the parameters', async () => {
    let builds = 0;
    const bigger = queryTemplate<'min', { name: string }>((p) => {
      builds += 1;
      return db.selectFrom('items').select('name').where('size', '>=', p.min).where('name', '!=', 'zzz').orderBy('id');
    });
    expect((await bigger(db, { min: 15 })).rows.map((r) => r.name)).toEqual(['b', 'c']);
    expect((await bigger(db, { min: 30 })).rows.map((r) => r.name)).toEqual(['c']);
    expect((await bigger(db, { min: 0 })).rows.map((r) => r.name)).toEqual(['a', 'b', 'c']);
    expect(builds).toBe(1);
  });

  it('compiles once per shape (list lengths) and fills each shape’s placeholders', async () => {
    const shapes: number[] = [];
    const named = queryTemplate<string, { id: number }>((p, k) => {
      shapes.push(k);
      return db
        .selectFrom('items')
        .select('id')
        .where('name', 'in', Array.from({ length: k }, (_, i) => p[`name${i}`]))
        .orderBy('id');
    });
    expect((await named(db, { name0: 'a', name1: 'c' }, 2)).rows).toEqual([{ id: 1 }, { id: 3 }]);
    expect((await named(db, { name0: 'b' }, 1)).rows).toEqual([{ id: 2 }]);
    expect((await named(db, { name0: 'b', name1: 'a' }, 2)).rows).toEqual([{ id: 1 }, { id: 2 }]);
    expect(shapes).toEqual([2, 1]);
  });

  it('takes raw sql templates compiled by the caller, and runs inside a transaction', async () => {
    const total = queryTemplate<'factor', { total: number }>((p) => sql<{ total: number }>`select sum(size) * ${p.factor} as total from items`.compile(db));
    await db.transaction().execute(async (trx) => {
      expect((await total(trx, { factor: 2 })).rows).toEqual([{ total: 120 }]);
    });
  });
});
