// Applies the migrations in migrations/ and tells whether a database's schema is current.

import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type MigrationResult, type RawBuilder } from 'kysely';
import { buildMigrations } from '../../../migrations';
import type { DatabaseHandle } from './create-database';

export class MigrationError extends Error {
  constructor(message: string, readonly results: readonly MigrationResult[], cause?: unknown) {
    super(message, { cause });
    this.name = 'MigrationError';
  }
}

export class SchemaBehindError extends Error {
  constructor(readonly pending: readonly string[]) {
    super(
      `The database schema is behind: ${pending.length} migration(s) pending (${pending.join(', ')}). ` +
        'Run `npm run migrate` (the Procfile release phase) first.',
    );
    this.name = 'SchemaBehindError';
  }
}

async function migratorFor(handle: DatabaseHandle): Promise<Migrator> {
  const migrations = buildMigrations(handle.strategy.migrationDialect);
  // On Postgres the migration tables live in the connection's current schema (search_path may name
  // one per deployment or test run). Without this, Kysely looks for them in any schema and can
  // mistake another schema's bookkeeping tables for ours.
  const schema =
    handle.strategy.name === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(handle.db)).rows[0]?.s
      : undefined;
  return new Migrator({
    db: handle.db,
    provider: { getMigrations: async () => migrations },
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

/**
 * Before it takes its lock, Kysely's migrator looks for its tables by introspecting every table of
 * every schema; on Postgres that scan fails when another schema's table is dropped meanwhile
 * (another deployment or test run sharing the database). Nothing has run at that point, so the
 * whole call is tried again, this many times in all.
 */
const SETUP_ATTEMPTS = 5;

/** Runs every pending migration; returns the names applied. */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    const { error, results = [] } = await (await migratorFor(handle)).migrateToLatest();
    if (!error) return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
    const failed = results.find((r) => r.status === 'Error');
    const message = error instanceof Error ? error.message : String(error);
    if (!failed && results.length === 0 && attempt < SETUP_ATTEMPTS) {
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      continue;
    }
    throw new MigrationError(failed ? `Migration ${failed.migrationName} failed: ${message}` : `Migrations could not start: ${message}`, results, error);
  }
}

/**
 * Names of migrations not yet applied to this database, in order. Readiness probes ask this every
 * few seconds, so it reads the migrator's own table in the connection's schema and nothing else:
 * Kysely's getMigrations() introspects every table of every schema first, which grows with the
 * database and fails when another schema's table is dropped during the scan.
 */
export async function pendingMigrations(handle: DatabaseHandle): Promise<string[]> {
  const applied = await appliedMigrations(handle);
  return Object.keys(buildMigrations(handle.strategy.migrationDialect))
    .sort()
    .filter((name) => !applied.has(name));
}

/** The names recorded in the migrator's table (where migratorFor puts it); none before the first run. */
async function appliedMigrations(handle: DatabaseHandle): Promise<Set<string>> {
  let table: RawBuilder<unknown>;
  if (handle.strategy.name === 'postgres') {
    const { rows } = await sql<{ schema: string; present: boolean }>`
      select current_schema() as schema,
        to_regclass(quote_ident(current_schema()) || '.' || quote_ident(${DEFAULT_MIGRATION_TABLE})) is not null as present`.execute(handle.db);
    if (!rows[0]?.present) return new Set();
    table = sql.id(rows[0].schema, DEFAULT_MIGRATION_TABLE);
  } else {
    const { rows } = await sql`select 1 from sqlite_master where type = 'table' and name = ${DEFAULT_MIGRATION_TABLE}`.execute(handle.db);
    if (rows.length === 0) return new Set();
    table = sql.table(DEFAULT_MIGRATION_TABLE);
  }
  const { rows } = await sql<{ name: string }>`select name from ${table}`.execute(handle.db);
  return new Set(rows.map((r) => r.name));
}

export async function assertSchemaCurrent(handle: DatabaseHandle): Promise<void> {
  const pending = await pendingMigrations(handle);
  if (pending.length > 0) throw new SchemaBehindError(pending);
}
