// Runs prepared query texts inside a caller's transaction by the shortest way the database allows.

import type { CompiledQuery, QueryResult } from 'kysely';
import type { DatabaseHandle } from './create-database';
import type { Tx } from './dialect-strategy';
import { directConnectionOf } from './direct-connection';
import type { QueryRunner } from './query-template';

/**
 * The runner for statements of `trx` (a transaction, or the strategy's write transaction, which is
 * a connection scope). On SQLite they run straight on the connection that scope holds
 * (better-sqlite3 is synchronous; Kysely's asynchronous executor around each one cost more than
 * the statement in the saga's transitions); given the database itself, each runs on its own
 * with the connection to itself (SqliteNative.runExclusive). On Postgres, straight on the connection
 * of the strategy's write transaction (direct-connection.ts), else `trx`.
 */
export function transactionRunner(database: DatabaseHandle, trx: Tx): QueryRunner {
  const native = database.sqlite;
  if (!native) {
    const direct = directConnectionOf(trx);
    return direct ? { executeQuery: (query) => direct.query(query) } : trx;
  }
  if (trx === database.db) return { executeQuery: (query) => native.runExclusive(query) };
  return {
    executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
      try {
        return Promise.resolve(native.runOnHeldConnection(trx, query));
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}
