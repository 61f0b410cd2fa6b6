// A fresh database of either kind for one measurement: a migrated SQLite file or a Postgres schema.

import { BenchSetupError } from './bench-errors';
import { createDatabase, migrateToLatest, type DatabaseHandle } from '../src/platform/db';
import { parseDatabaseUrl } from '../src/config/database-url';
import type { BenchEnv } from './bench-env';
import { createBenchSchema } from './postgres-schema';
import { createBenchSqliteFile } from './sqlite-file';

export type BenchDatabaseKind = 'sqlite' | 'postgres';

export interface FreshDatabase {
  url: string;
  /** The SQLite file name (sqlite only). */
  filename?: string;
  drop(): Promise<void>;
}

export async function freshDatabase(kind: BenchDatabaseKind, env: BenchEnv, prefix: string): Promise<FreshDatabase> {
  if (kind === 'sqlite') return createBenchSqliteFile(prefix);
  if (!env.postgresUrl) throw new BenchSetupError('BENCH_DATABASE_URL is not set');
  const schema = await createBenchSchema(env.postgresUrl, prefix);
  // Migrated like the SQLite file, so raw baselines find Catalynx's tables and indexes.
  await (await openMigrated(schema.url)).close();
  return schema;
}

/** Opens a migrated Catalynx database handle on the URL. */
export async function openMigrated(url: string): Promise<DatabaseHandle> {
  const target = parseDatabaseUrl(url);
  if (!target.ok) throw new BenchSetupError(`bad database URL: ${target.message}`);
  const handle = createDatabase(target.value, { poolSize: 10 });
  await migrateToLatest(handle);
  return handle;
}
