import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { buildMigrations } from '../../migrations';
import { createDatabase, migrateToLatest, pendingMigrations, type DatabaseHandle } from '../../src/platform/db';
import { createTestDatabase, describeEachDatabase, postgresUrlOrSkip, type TestDatabase } from '../support/services';

describeEachDatabase('schema currency (what readiness and process start check)', (kind) => {
  let db: TestDatabase;
  let handle: DatabaseHandle;
  let all: string[];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    // A handle on the empty database: nothing migrated yet.
    handle = createDatabase(db.target, { poolSize: 3 });
    all = Object.keys(buildMigrations(handle.strategy.migrationDialect)).sort();
  });
  afterAll(async () => {
    await handle?.close();
    await db?.cleanup();
  });

  it('lists every migration, in order, on a database never migrated', async () => {
    expect(all.length).toBeGreaterThan(0);
    expect(await pendingMigrations(handle)).toEqual(all);
  });

  it('lists none once migrated, and the ones whose record is missing after that', async () => {
    await migrateToLatest(handle);
    expect(await pendingMigrations(handle)).toEqual([]);
    const last = all[all.length - 1]!;
    await sql`delete from kysely_migration where name = ${last}`.execute(handle.db);
    expect(await pendingMigrations(handle)).toEqual([last]);
    await sql`insert into kysely_migration (name, timestamp) values (${last}, ${new Date().toISOString()})`.execute(handle.db);
    expect(await pendingMigrations(handle)).toEqual([]);
  });
});

const postgres = postgresUrlOrSkip();
(postgres.skip ? describe.skip : describe)(`schema currency beside other schemas [postgres${postgres.skip ? `: skipped, ${postgres.skip}` : ''}]`, () => {
  let db: TestDatabase;
  let handle: DatabaseHandle;
  let admin: pg.Client;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    handle = await db.open();
    admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.cleanup();
  });

  it('reads only its own schema: another schema whose migrations are behind does not count', async () => {
    const other = `t_other_${randomBytes(4).toString('hex')}`;
    await admin.query(`create schema ${other}`);
    try {
      await admin.query(`create table ${other}.kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)`);
      expect(await pendingMigrations(handle)).toEqual([]);
    } finally {
      await admin.query(`drop schema ${other} cascade`);
    }
  });

  it('answers while other deployments create and drop their schemas in the same database', async () => {
    // Readiness probes run this every few seconds; schemas of other deployments or test runs come
    // and go meanwhile. Reading the whole catalog, it failed when a table went away mid-read.
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        const s = `t_churn_${randomBytes(4).toString('hex')}`;
        await admin.query(`create schema ${s}`);
        for (let k = 0; k < 8; k++) await admin.query(`create table ${s}.t${k} (id text primary key, a integer, b text, c bigint)`);
        await admin.query(`drop schema ${s} cascade`);
      }
    })();
    try {
      for (let i = 0; i < 150; i++) expect(await pendingMigrations(handle)).toEqual([]);
    } finally {
      churning = false;
      await churn;
    }
  });
});
