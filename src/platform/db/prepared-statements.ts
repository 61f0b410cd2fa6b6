// Postgres: every parameterised statement runs as a named prepared statement on its connection, so
// the server parses and plans each statement text once per connection instead of on every call.
// For the short statements the task queue and the event store issue, parsing and planning cost as
// much as executing (measured: an event append went from 1,030 to 1,650 a second).
//
// Kysely hands statements to the pool's clients as (text, parameters); this wraps the pool so those
// clients name each text the first time they see it. Bounds and edge cases:
// - At most MAX_PREPARED statements per connection; later new texts run unnamed (nothing is
//   evicted, so a name is never reused and server memory per connection stays bounded).
// - Statements without parameters (BEGIN, COMMIT, several statements in one text) run as before.
// - A schema change that alters a prepared statement's result columns makes Postgres refuse it
//   ("cached plan must not change result type"). The text is then prepared afresh; outside a
//   transaction the call is retried at once, inside one the error ends the transaction like any
//   other and the caller's retry gets the fresh statement.

import pg from 'pg';
import type { CompiledQuery, PostgresPool, PostgresPoolClient, PostgresQueryResult, QueryResult } from 'kysely';
import { DirectConnectionRequest, toQueryResult, type DirectConnection } from './direct-connection';

export const MAX_PREPARED = 256;

/** How a statement's result (or its failure) is handed back. */
type Answer<R> = (error: unknown, result?: PostgresQueryResult<R>) => void;

/** Postgres error codes meaning a prepared statement went stale or is gone. */
const STALE_STATEMENT = new Set(['0A000', '26000']);

interface ClientStatements {
  names: Map<string, string>;
  /** Statements prepared on the connection so far, stale ones included (they stay on the server). */
  prepared: number;
  inTransaction: boolean;
}

let nextStatementId = 0;

/**
 * A pg query of `text` under the statement name `name`, ready for client.query. Built from the
 * text, not from a config object: pg copies a config object through its property descriptors for
 * every statement (about 3 µs each here, 4 % of a saga's Node time), and a query built from a
 * text skips that; the name is the query's own field, which pg reads when it sends it.
 */
function namedQuery(name: string | undefined, text: string, values: unknown[], callback: (err: Error | null, result: unknown) => void): pg.Query {
  const query = new pg.Query(text, values, callback as (err: Error | undefined, result: unknown) => void);
  (query as unknown as { name?: string }).name = name;
  return query;
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

export function preparingPool(pool: pg.Pool): PostgresPool {
  // Per physical connection: a pg Client object lives as long as its connection.
  const perClient = new WeakMap<pg.PoolClient, ClientStatements>();

  function wrap(client: pg.PoolClient): PostgresPoolClient {
    let state = perClient.get(client);
    if (!state) perClient.set(client, (state = { names: new Map(), prepared: 0, inTransaction: false }));
    const statements = state;

    /**
     * Runs a statement and hands its result to `done`, through pg's callback interface: no
     * promise per statement (each one costs the execution context's async hooks, and a
     * transaction's pipelined statements are many). `done` must not throw.
     */
    function run<R>(text: string, parameters: readonly unknown[], done: Answer<R>): void {
      if (parameters.length === 0) {
        // BEGIN / COMMIT / ROLLBACK (also as the first statement of a combined text). A BEGIN
        // counts from when it is sent: pipelined statements follow it before its answer.
        if (/^\s*begin\b/i.test(text)) statements.inTransaction = true;
        client.query(text, (err: Error | null, result: unknown) => {
          if (!err && /^\s*(commit|rollback)\b/i.test(text)) statements.inTransaction = false;
          done(err ?? undefined, result as PostgresQueryResult<R>);
        });
        return;
      }
      let name = statements.names.get(text);
      if (name === undefined && statements.prepared < MAX_PREPARED) {
        name = `catalynx_${(nextStatementId += 1)}`;
        statements.names.set(text, name);
        statements.prepared += 1;
      }
      const values = [...parameters];
      client.query(namedQuery(name, text, values, (err: Error | null, result: unknown) => {
        if (!err) return done(undefined, result as PostgresQueryResult<R>);
        if (name === undefined || !STALE_STATEMENT.has(errorCode(err) ?? '')) return done(err);
        // Prepare this text afresh next time (a new name: a name is never reused for another plan).
        statements.names.delete(text);
        if (statements.inTransaction) return done(err);
        client.query({ text, values }, (again: Error | null, retried: unknown) => done(again ?? undefined, retried as PostgresQueryResult<R>));
      }));
    }

    // Statements waiting to go out together (a write transaction's BEGIN among them, and those a
    // statement program sends ahead), with what each is answered by.
    let outbox: { text: string; parameters: readonly unknown[]; done: Answer<unknown>; out: boolean }[] = [];
    let flushScheduled = false;
    // Kept only once a write transaction has asked for the direct runner (its statements' failures
    // are reported at COMMIT); other statements are answered as they are.
    let tracking = false;
    let failure: { error: unknown } | undefined;
    let unanswered = 0;
    let onSettled: (() => void)[] = [];
    // pg corks the socket for the messages of one statement; corking around several sends them
    // all in one write (one system call, one wake-up of the server).
    const socket = (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection?.stream;

    /** Runs a statement and keeps track of it: the first failure, and until it is answered. */
    const tracked = <R>(text: string, parameters: readonly unknown[], done: Answer<R>): void => {
      if (!tracking) return run(text, parameters, done);
      unanswered += 1;
      run<R>(text, parameters, (error, result) => {
        if (error !== undefined) failure ??= { error };
        unanswered -= 1;
        try {
          done(error, result);
        } finally {
          // Whoever waits for the connection to settle is woken even if `done` broke its promise not to throw.
          if (unanswered === 0 && onSettled.length > 0) {
            const waiting = onSettled;
            onSettled = [];
            for (const resolve of waiting) resolve();
          }
        }
      });
    };
    const promised = <R>(start: (done: Answer<R>) => void): Promise<PostgresQueryResult<R>> =>
      new Promise((resolve, reject) => start((error, result) => (error === undefined ? resolve(result!) : reject(error))));

    /** Sends the outbox in one write; run() hands each statement to the client at once, so they go in order. */
    const flush = () => {
      if (outbox.length === 0) return;
      const batch = outbox;
      outbox = [];
      socket?.cork?.();
      try {
        for (const entry of batch) {
          entry.out = true;
          tracked(entry.text, entry.parameters, entry.done);
        }
      } finally {
        socket?.uncork?.();
      }
    };
    const queue = <R>(text: string, parameters: readonly unknown[], done: Answer<R>): { queued(): boolean } => {
      const entry = { text, parameters, done: done as Answer<unknown>, out: false };
      outbox.push(entry);
      return { queued: () => !entry.out };
    };
    /**
     * A statement that stays in the outbox. Whoever waits for one flushes first (the statement
     * runner, COMMIT, any other statement on the connection); this is only the backstop against a
     * wait that did not: a millisecond, so it does not split a round trip whose answer comes in
     * two reads.
     */
    const hold = <R>(text: string, parameters: readonly unknown[], done: Answer<R>) => {
      const queued = queue<R>(text, parameters, done);
      if (!flushScheduled) {
        flushScheduled = true;
        setTimeout(() => {
          flushScheduled = false;
          flush();
        }, 1);
      }
      return queued;
    };

    const direct: DirectConnection = {
      query<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
        return new Promise((resolve, reject) => {
          queue<R>(query.sql, query.parameters, (error, result) => (error === undefined ? resolve(toQueryResult(result!)) : reject(error)));
          flush();
        });
      },
      send<R>(query: CompiledQuery<R>, answered: (error: unknown, result?: QueryResult<R>) => void) {
        return hold<R>(query.sql, query.parameters, (error, result) => answered(error, error === undefined ? toQueryResult(result!) : undefined));
      },
      flush,
      failure: () => failure,
      settled() {
        flush();
        return unanswered === 0 ? Promise.resolve() : new Promise<void>((resolve) => onSettled.push(resolve));
      },
    };

    return {
      query: ((text: unknown, parameters?: readonly unknown[]) => {
        // A write transaction's BEGIN asking for this connection's direct runner
        // (direct-connection.ts): it waits in the outbox to go out in one write with the
        // transaction's first statement.
        if (typeof text === 'string' && parameters?.length === 1 && parameters[0] instanceof DirectConnectionRequest) {
          parameters[0].connection = direct;
          tracking = true;
          failure = undefined;
          return promised((done) => hold(text, [], done));
        }
        // Anything else goes after what waits in the outbox.
        flush();
        // Cursors (streaming) pass through untouched.
        if (typeof text !== 'string') return client.query(text as never);
        return promised((done) => tracked(text, parameters ?? [], done));
      }) as PostgresPoolClient['query'],
      release(destroy?: boolean) {
        // A rolled-back or failed transaction has ended either way when the client goes back.
        statements.inTransaction = false;
        client.release(destroy);
      },
    };
  }

  return {
    async connect() {
      return wrap(await pool.connect());
    },
    end: () => pool.end(),
  };
}
