import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { buildMigrations } from '../../migrations';
import { createDatabase, MigrationError, migrateToLatest, pendingMigrations, type DatabaseHandle } from '../../src/platform/db';
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

  it('stops at a migration that fails part way, names it, and leaves none of its tables', async () => {
    const fresh = await createTestDatabase(kind);
    const h = createDatabase(fresh.target, { poolSize: 2 });
    try {
      // A table in the way of the first migration, after it has created others.
      await sql`create table tasks (x integer)`.execute(h.db);
      const failure = await migrateToLatest(h).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(MigrationError);
      expect((failure as Error).message).toMatch(new RegExp(`^Migration ${all[0]} failed: .*tasks`));
      expect(await pendingMigrations(h)).toEqual(all);
      // The tables it made before failing are gone: only the one in its way is left, and the migrator's own.
      expect((await tablesOf(h)).filter((t) => !t.startsWith('kysely_'))).toEqual(['tasks']);
    } finally {
      await h.close();
      await fresh.cleanup();
    }
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

  it('migrates a new schema while other deployments create and drop theirs in the same database', async () => {
    let churning = true;
    const churn = churnSchemas(admin, () => churning);
    try {
      for (let i = 0; i < 4; i++) {
        const fresh = await createTestDatabase('postgres');
        const h = createDatabase(fresh.target, { poolSize: 2 });
        try {
          expect((await migrateToLatest(h)).length).toBeGreaterThan(0);
          expect(await pendingMigrations(h)).toEqual([]);
        } finally {
          await h.close();
          await fresh.cleanup();
        }
      }
    } finally {
      churning = false;
      await churn;
    }
  });

  it('answers while other deployments create and drop their schemas in the same database', async () => {
    // Readiness probes run this every few seconds; schemas of other deployments or test runs come
    // and go meanwhile. Reading the whole catalog, it failed when a table went away mid-read.
    let churning = true;
    const churn = churnSchemas(admin, () => churning);
    try {
      for (let i = 0; i < 150; i++) expect(await pendingMigrations(handle)).toEqual([]);
    } finally {
      churning = false;
      await churn;
    }
  });
});

/** Creates and drops schemas with a few tables each, as other deployments or test runs would, until told to stop. */
async function churnSchemas(admin: pg.Client, going: () => boolean): Promise<void> {
  while (going()) {
    const s = `t_churn_${randomBytes(4).toString('hex')}`;
    await admin.query(`create schema ${s}`);
    for (let k = 0; k < 8; k++) await admin.query(`create table ${s}.t${k} (id text primary key, a integer, b text, c bigint)`);
    await admin.query(`drop schema ${s} cascade`);
  }
}

async function tablesOf(h: DatabaseHandle): Promise<string[]> {
  const { rows } =
    h.strategy.name === 'postgres'
      ? await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(h.db)
      : await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(h.db);
  return rows.map((r) => r.name).sort();
}
