// Applies the migrations in migrations/ and tells whether a database's schema is current.

import { Migrator, sql, type MigrationResult } from 'kysely';
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

/** Runs every pending migration; returns the names applied. */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const { error, results = [] } = await (await migratorFor(handle)).migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    throw new MigrationError(
      `Migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
      results,
      error,
    );
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations not yet applied to this database. */
export async function pendingMigrations(handle: DatabaseHandle): Promise<string[]> {
  const all = await (await migratorFor(handle)).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

export async function assertSchemaCurrent(handle: DatabaseHandle): Promise<void> {
  const pending = await pendingMigrations(handle);
  if (pending.length > 0) throw new SchemaBehindError(pending);
}
