// Applies the migrations in migrations/ and tells whether a database's schema is current.

import { Migrator, type MigrationResult } from 'kysely';
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

function migratorFor(handle: DatabaseHandle): Migrator {
  const migrations = buildMigrations(handle.strategy.migrationDialect);
  return new Migrator({
    db: handle.db,
    provider: { getMigrations: async () => migrations },
  });
}

/** Runs every pending migration; returns the names applied. */
export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const { error, results = [] } = await migratorFor(handle).migrateToLatest();
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
  const all = await migratorFor(handle).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

export async function assertSchemaCurrent(handle: DatabaseHandle): Promise<void> {
  const pending = await pendingMigrations(handle);
  if (pending.length > 0) throw new SchemaBehindError(pending);
}
