// Opens the database named by DATABASE_URL for the commands that work on it directly (migrate, keys),
// turning "cannot open / connect" into DatabaseUnreachableError (exit 3) and always closing it.

import { loadConfig, type Environment } from '../config';
import { createDatabase, type DatabaseHandle } from '../platform/db';
import { DatabaseUnreachableError } from './cli-errors';

/** Runs `work` with an open database; bad configuration surfaces as ConfigError (exit 1). */
export async function withDatabase<T>(env: Environment, work: (database: DatabaseHandle) => Promise<T>): Promise<T> {
  const config = loadConfig(env);
  const shownUrl = withoutPassword(config.database.url);
  let database: DatabaseHandle;
  try {
    database = createDatabase(config.database);
  } catch (err) {
    // better-sqlite3 opens the file at once: a missing directory permission or a bad path fails here.
    throw new DatabaseUnreachableError(shownUrl, err);
  }
  try {
    try {
      await database.ping();
    } catch (err) {
      throw new DatabaseUnreachableError(shownUrl, err);
    }
    try {
      return await work(database);
    } catch (err) {
      if (database.strategy.isUnavailable(err)) throw new DatabaseUnreachableError(shownUrl, err);
      throw err;
    }
  } finally {
    await database.close();
  }
}

/** The URL for messages: a Postgres password never reaches a terminal or a CI log. */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
