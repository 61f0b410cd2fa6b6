// Opens the database named by DATABASE_URL as Kysely<Database>, with the dialect strategy that goes with it.

import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, sql, type CompiledQuery, type DialectAdapter, type Driver, type QueryResult } from 'kysely';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pg from 'pg';
import type { DatabaseTarget } from '../../config';
import type { Logger } from '../logger';
import { createSqliteStrategy, postgresStrategy, type DialectStrategy } from './dialect-strategy';
import { preparingPool } from './prepared-statements';
import type { Database } from './schema';

/** SQLite's own synchronous API, for hot paths where Kysely's asynchronous pipeline costs more than the statements. */
export interface SqliteNative {
  /**
   * Runs fn with the connection to itself, so no other query of this process interleaves: at once
   * when nothing holds or waits for Kysely's connection (fn is synchronous, so nothing can take
   * the connection while it runs), else under Kysely's connection lock, after the holder and
   * those already waiting. `prepare` returns cached statements.
   */
  exclusive<T>(fn: (connection: BetterSqlite3.Database, prepare: (sql: string) => BetterSqlite3.Statement) => T): Promise<T>;
  /**
   * exclusive()'s first case only: runs fn at once and answers `{ value }` when nothing holds or
   * waits for the connection; answers undefined, without running fn, when something does. A
   * throw from fn is thrown.
   */
  tryExclusive<T>(fn: (connection: BetterSqlite3.Database, prepare: (sql: string) => BetterSqlite3.Statement) => T): { value: T } | undefined;
  /**
   * Runs a compiled query at once on the connection, for code that holds it: `holder` is a Kysely
   * instance bound to the connection (a transaction, or `db.connection()`, as the strategy's
   * write transactions use), whose scope keeps Kysely's connection lock, so nothing else uses the
   * connection meanwhile and the statement belongs to that scope. Answers as Kysely's SQLite
   * driver does. Throws for the handle's own `db`, which holds nothing.
   */
  runOnHeldConnection<R>(holder: Kysely<Database>, query: CompiledQuery<R>): QueryResult<R>;
  /** Runs a compiled query on its own (autocommitted), as exclusive() runs fn; answers as runOnHeldConnection. */
  runExclusive<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  /** Runs fn with the connection `holder` holds (as runOnHeldConnection), for several statements at once. */
  onHeldConnection<T>(holder: Kysely<Database>, fn: (connection: BetterSqlite3.Database, prepare: (sql: string) => BetterSqlite3.Statement) => T): T;
}

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  /** Present on SQLite only. */
  readonly sqlite?: SqliteNative;
  readonly strategy: DialectStrategy;
  readonly target: DatabaseTarget;
  /** A cheap round trip to the database (health checks). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  logger?: Logger;
  /** Postgres pool size per process. */
  poolSize?: number;
  /** SQLite: how long a writer waits for another process's lock before SQLITE_BUSY. */
  sqliteBusyTimeoutMs?: number;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

export function createDatabase(target: DatabaseTarget, opts: DatabaseOptions = {}): DatabaseHandle {
  return target.kind === 'sqlite' ? openSqlite(target, opts) : openPostgres(target, opts);
}

function openSqlite(target: Extract<DatabaseTarget, { kind: 'sqlite' }>, opts: DatabaseOptions): DatabaseHandle {
  const inMemory = target.filename === ':memory:';
  if (!inMemory) mkdirSync(dirname(target.filename), { recursive: true });
  const connection = new BetterSqlite3(target.filename, { timeout: opts.sqliteBusyTimeoutMs ?? 5000 });
  if (!inMemory) connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('foreign_keys = ON');
  const cached = withStatementCache(connection);
  const dialect = new CountingSqliteDialect({ database: cached });
  const db = new Kysely<Database>({ dialect });
  let closed: Promise<void> | undefined;
  // The idle case skips the lock's promises and event-loop hops (the worker's hot path).
  const tryExclusive: SqliteNative['tryExclusive'] = (fn) =>
    dialect.users !== 0 || connection.inTransaction ? undefined : { value: fn(connection, cached.prepare) };
  return {
    db,
    sqlite: {
      tryExclusive,
      exclusive(fn) {
        let now: { value: ReturnType<typeof fn> } | undefined;
        try {
          now = tryExclusive(fn);
        } catch (err) {
          return Promise.reject(err);
        }
        return now ? Promise.resolve(now.value) : db.connection().execute(async () => fn(connection, cached.prepare));
      },
      onHeldConnection(holder, fn) {
        if (holder === db) throw new Error('a held connection needs a transaction or connection scope, not the database itself');
        return fn(connection, cached.prepare);
      },
      runOnHeldConnection<R>(holder: Kysely<Database>, query: CompiledQuery<R>): QueryResult<R> {
        return this.onHeldConnection(holder, (_, prepare) => runCompiled(prepare, query));
      },
      runExclusive<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
        return this.exclusive((_, prepare) => runCompiled(prepare, query));
      },
    },
    // Its transactions' BEGIN, COMMIT and ROLLBACK run on the connection, inside Kysely's scope.
    strategy: createSqliteStrategy({ db, control: (_, statement) => cached.prepare(statement).run() }),
    target,
    async ping() {
      await sql`select 1`.execute(db);
    },
    close() {
      closed ??= db.destroy();
      return closed;
    },
  };
}

/** Runs a compiled query on better-sqlite3 and answers as Kysely's SQLite driver does. */
export function runCompiled<R>(prepare: (sql: string) => BetterSqlite3.Statement, query: CompiledQuery<R>): QueryResult<R> {
  const statement = prepare(query.sql);
  if (statement.reader) return { rows: statement.all(query.parameters) as R[] };
  const { changes, lastInsertRowid } = statement.run(query.parameters);
  return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
}

/**
 * Kysely's SQLite dialect, counting who holds or waits for its one connection: from the moment
 * Kysely asks for the connection until it gives it back (a query, a transaction, a
 * `db.connection()` scope). Zero means the connection is free and nobody is queued for it.
 */
class CountingSqliteDialect extends SqliteDialect {
  users = 0;

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const acquire = driver.acquireConnection.bind(driver);
    const release = driver.releaseConnection.bind(driver);
    // No promise of their own around the driver's: these run for every query. An acquire that
    // fails (a destroyed database) leaves the count up, which only sends exclusive() to the
    // lock, where it fails the same way. The release unlocks synchronously, right after the count.
    driver.acquireConnection = () => {
      this.users += 1;
      return acquire();
    };
    driver.releaseConnection = (held) => {
      this.users -= 1;
      return release(held);
    };
    return driver;
  }
}

/**
 * SQLite runs DDL inside transactions, but Kysely's adapter says it cannot, so its migrator would
 * run migrations without one: a migration failing part way would leave the tables it had made,
 * and every later run would fail on them. Saying so lets the migrator run them in a transaction,
 * as on Postgres.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** bigint and numeric columns as JavaScript numbers (one function for every result pg describes). */
const parseNumber = (v: string | null): number | null => (v === null ? null : Number(v));

function openPostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>, opts: DatabaseOptions): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: target.url,
    max: opts.poolSize ?? 10,
    pipeline: true,
    // Fail fast while the database is away instead of queueing requests forever.
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    // Epoch-millisecond bigint columns and counts fit in a JS number; parse them as numbers
    // per pool rather than changing pg's process-wide type table.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === INT8_OID || oid === NUMERIC_OID) return parseNumber;
        return pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection (database restart) emits 'error' on the pool; without a
  // listener Node would crash the process. The next checkout simply opens a new connection.
  pool.on('error', (err) => opts.logger?.warn('postgres idle client error', { error: err.message }));
  // pg-pool removes that listener while a client is checked out, and a pg Client emits 'error'
  // (besides failing its query) when its socket dies mid-query: without a listener of its own
  // that crashes the process during a database restart. The query's caller still gets the error.
  pool.on('connect', (client) => {
    client.on('error', (err) => opts.logger?.debug('postgres connection lost', { error: err.message }));
  });
  // Statements run prepared, named per connection (see prepared-statements.ts).
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  let closed: Promise<void> | undefined;
  return {
    db,
    strategy: postgresStrategy,
    target,
    async ping() {
      await sql`select 1`.execute(db);
    },
    close() {
      closed ??= db.destroy();
      return closed;
    },
  };
}

/**
 * Kysely's SQLite driver prepares every statement again on each call; preparing is a large share
 * of a short query's cost. The driver runs statements synchronously to completion (no streaming
 * here), so one prepared statement per SQL text can be reused safely. Bounded, oldest evicted.
 */
function withStatementCache(connection: BetterSqlite3.Database, max = 500) {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => connection.close(),
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        statement = connection.prepare(sqlText);
        if (statements.size >= max) statements.delete(statements.keys().next().value as string);
        statements.set(sqlText, statement);
      }
      return statement;
    },
  };
}
