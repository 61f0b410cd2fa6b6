// The few places SQLite and Postgres differ, decided once at start-up instead of in every repository method.

import { createHash } from 'node:crypto';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type { MigrationDialect } from '../../../migrations';
import { DirectConnectionRequest, holdDirectConnection } from './direct-connection';
import { TransactionAbortedError } from './transaction-aborted-error';
import type { Database } from './schema';

export type Tx = Kysely<Database>;

export interface DialectStrategy {
  readonly name: 'sqlite' | 'postgres';
  /** Postgres claims with FOR UPDATE SKIP LOCKED; SQLite serialises writers instead. */
  readonly supportsSkipLocked: boolean;
  /** Postgres runs INSERT/UPDATE inside WITH, so several writes can share one statement. */
  readonly supportsDataModifyingCte: boolean;
  /** Postgres binds an array as one parameter (and unnests it); SQLite binds scalars only. */
  readonly supportsArrayParameters: boolean;
  /**
   * Postgres sends a write transaction's statements ahead in one round trip (statement-program.ts
   * `send`); on SQLite each runs at once, so reading ahead there only adds statements.
   */
  readonly pipelinesStatements: boolean;
  readonly migrationDialect: MigrationDialect;
  /**
   * Runs fn in a transaction that holds the write lock from its first statement. On SQLite a
   * plain BEGIN is deferred, and a reader that later writes can fail at once with SQLITE_BUSY
   * when another process holds the lock; BEGIN IMMEDIATE waits on the busy timeout instead.
   */
  writeTransaction<T>(db: Kysely<Database>, fn: (trx: Tx) => Promise<T>): Promise<T>;
  /**
   * writeTransaction that first waits for the lock named by key (as lockKey with wait). Postgres
   * sends BEGIN and the lock in one round trip; SQLite's writer lock already covers every key.
   */
  lockedWriteTransaction<T>(db: Kysely<Database>, key: string, fn: (trx: Tx) => Promise<T>): Promise<T>;
  /**
   * Takes a lock named by key until the transaction ends. With wait=false returns false at once
   * when another transaction holds it. SQLite's BEGIN IMMEDIATE already serialises writers, so
   * there it always succeeds.
   */
  lockKey(trx: Tx, key: string, opts: { wait: boolean }): Promise<boolean>;
  /** True when err is a unique-constraint violation (the database decided a race). */
  isUniqueViolation(err: unknown): boolean;
  /** True when err means the database cannot be reached right now (the request may be retried later). */
  isUnavailable(err: unknown): boolean;
  /**
   * True when the database aborted the transaction to settle a conflict between transactions (a
   * deadlock, a serialization failure): the same transaction run again can succeed.
   */
  isTransactionConflict(err: unknown): boolean;
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Sends a transaction's control statement on the connection scope that holds the transaction. */
export type SqliteTransactionControl = (conn: Tx, statement: 'begin immediate' | 'commit' | 'rollback') => unknown;

const throughKysely: SqliteTransactionControl = (conn, statement) => sql.raw(statement).execute(conn);

/**
 * The SQLite strategy. With `own`, transactions on `own.db` (a handle's own database) send their
 * BEGIN, COMMIT and ROLLBACK through `own.control` (straight on the connection: Kysely's executor
 * around them cost more than the statements); any other Kysely instance goes through Kysely.
 */
export function createSqliteStrategy(own?: { db: Kysely<Database>; control: SqliteTransactionControl }): DialectStrategy {
  const strategy: DialectStrategy = {
    name: 'sqlite',
    supportsSkipLocked: false,
    supportsDataModifyingCte: false,
    supportsArrayParameters: false,
    pipelinesStatements: false,
    migrationDialect: {
      supportsFunctions: false,
      autoIncrementingKeyType: 'integer',
      autoIncrementingKey: (c) => c.primaryKey().autoIncrement(),
    },
    async writeTransaction(db, fn) {
      // Kysely's SQLite driver hands out its single connection to one caller at a time, so the
      // whole transaction runs without interleaving from this process.
      const control = own && db === own.db ? own.control : throughKysely;
      return db.connection().execute(async (conn) => {
        await control(conn, 'begin immediate');
        try {
          const result = await fn(conn);
          await control(conn, 'commit');
          return result;
        } catch (err) {
          try {
            await control(conn, 'rollback');
          } catch {
            // Nothing to roll back (SQLite already ended the transaction on its error).
          }
          throw err;
        }
      });
    },
    lockedWriteTransaction(db, _key, fn) {
      return strategy.writeTransaction(db, fn);
    },
    async lockKey() {
      return true;
    },
    isUniqueViolation(err) {
      const code = errorCode(err);
      return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
    },
    // One writer at a time (BEGIN IMMEDIATE): transactions never deadlock one another.
    isTransactionConflict: () => false,
    isUnavailable(err) {
      const code = errorCode(err);
      return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_IOERR';
    },
  };
  return strategy;
}

const PG_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  '53300', // too_many_connections
]);

const LOCK_WAIT_LIMIT = '10s';

/** A Postgres advisory lock key for a name: the first 64 bits of its SHA-256, as a decimal string. */
export function advisoryLockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

export const postgresStrategy: DialectStrategy = {
  name: 'postgres',
  supportsSkipLocked: true,
  supportsDataModifyingCte: true,
  supportsArrayParameters: true,
  pipelinesStatements: true,
  migrationDialect: {
    supportsFunctions: true,
    autoIncrementingKeyType: 'bigint',
    autoIncrementingKey: (c) => c.primaryKey().generatedByDefaultAsIdentity(),
  },
  writeTransaction(db, fn) {
    // A connection scope with BEGIN and COMMIT of its own (as on SQLite), so BEGIN can ask the
    // pool's wrapper for the connection's direct runner (direct-connection.ts).
    return db.connection().execute(async (conn) => {
      const request = new DirectConnectionRequest();
      const begun = conn.executeQuery(CompiledQuery.raw('begin', [request]));
      const direct = request.connection;
      // With the runner handed back, BEGIN is in the connection's queue already: the
      // transaction's statements go out behind it (pipelined) without waiting for its answer.
      // Otherwise the wrapper has not seen it yet, and the statements wait.
      if (direct) begun.catch(() => undefined);
      else await begun;
      const held = direct ? holdDirectConnection(conn, direct) : undefined;
      try {
        const result = await fn(conn);
        // Statements still waiting (BEGIN too, if fn ran none) go out with COMMIT; the first that
        // failed is the error.
        const committed = direct ? direct.query(CompiledQuery.raw('commit')) : begun.then(() => conn.executeQuery(CompiledQuery.raw('commit')));
        committed.catch(() => undefined); // awaited below, once BEGIN has answered
        await begun;
        const { rows } = await committed;
        if (direct) {
          await direct.settled();
          const failure = direct.failure();
          if (failure) throw failure.error;
        }
        // Postgres answers COMMIT with ROLLBACK when an earlier statement left the transaction aborted.
        if ((rows[0] as { command?: string } | undefined)?.command === 'ROLLBACK') throw new TransactionAbortedError();
        return result;
      } catch (err) {
        direct?.flush();
        await begun.catch(() => undefined);
        if (direct) await direct.settled().catch(() => undefined);
        await (direct ? direct.query(CompiledQuery.raw('rollback')) : conn.executeQuery(CompiledQuery.raw('rollback'))).catch(() => undefined);
        throw err;
      } finally {
        held?.release();
      }
    });
  },
  lockedWriteTransaction(db, key, fn) {
    return db.connection().execute(async (conn) => {
      try {
        // One simple-protocol query (no parameters: the key is an integer literal), so BEGIN and
        // the lock cost one round trip. The wait is bounded; lock holders are short transactions.
        await sql.raw(`begin; set local lock_timeout = '${LOCK_WAIT_LIMIT}'; select pg_advisory_xact_lock(${advisoryLockKey(key)})`).execute(conn);
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (err) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw err;
      }
    });
  },
  async lockKey(trx, key, opts) {
    const lock = advisoryLockKey(key);
    if (opts.wait) {
      await sql`select pg_advisory_xact_lock(${lock}::bigint)`.execute(trx);
      return true;
    }
    const { rows } = await sql<{ ok: boolean }>`select pg_try_advisory_xact_lock(${lock}::bigint) as ok`.execute(trx);
    return rows[0]?.ok === true;
  },
  isUniqueViolation(err) {
    return errorCode(err) === '23505';
  },
  isTransactionConflict(err) {
    const code = errorCode(err);
    return code === '40P01' || code === '40001';
  },
  isUnavailable(err) {
    const code = errorCode(err);
    if (code && PG_UNAVAILABLE.has(code)) return true;
    const message = err instanceof Error ? err.message : '';
    return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(
      message,
    );
  },
};
