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

import type pg from 'pg';
import type { CompiledQuery, PostgresPool, PostgresPoolClient, PostgresQueryResult, QueryResult } from 'kysely';
import { DirectConnectionRequest, toQueryResult, type DirectConnection } from './direct-connection';

export const MAX_PREPARED = 256;

/** Postgres error codes meaning a prepared statement went stale or is gone. */
const STALE_STATEMENT = new Set(['0A000', '26000']);

interface ClientStatements {
  names: Map<string, string>;
  /** Statements prepared on the connection so far, stale ones included (they stay on the server). */
  prepared: number;
  inTransaction: boolean;
}

let nextStatementId = 0;

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

    async function run<R>(text: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>> {
      if (parameters.length === 0) {
        // BEGIN / COMMIT / ROLLBACK (also as the first statement of a combined text). A BEGIN
        // counts from when it is sent: pipelined statements follow it before its answer.
        if (/^\s*begin\b/i.test(text)) statements.inTransaction = true;
        const result = (await client.query(text)) as unknown as PostgresQueryResult<R>;
        if (/^\s*(commit|rollback)\b/i.test(text)) statements.inTransaction = false;
        return result;
      }
      let name = statements.names.get(text);
      if (name === undefined && statements.prepared < MAX_PREPARED) {
        name = `catalynx_${(nextStatementId += 1)}`;
        statements.names.set(text, name);
        statements.prepared += 1;
      }
      const values = [...parameters];
      try {
        return (await client.query({ name, text, values })) as unknown as PostgresQueryResult<R>;
      } catch (err) {
        if (name === undefined || !STALE_STATEMENT.has(errorCode(err) ?? '')) throw err;
        // Prepare this text afresh next time (a new name: a name is never reused for another plan).
        statements.names.delete(text);
        if (statements.inTransaction) throw err;
        return (await client.query({ text, values })) as unknown as PostgresQueryResult<R>;
      }
    }

    // A write transaction's BEGIN waits here (see below) to go out with its first statement.
    let deferredBegin: { text: string; resolve(result: unknown): void; reject(err: unknown): void } | undefined;
    const sendDeferredBegin = () => {
      const begin = deferredBegin;
      if (!begin) return;
      deferredBegin = undefined;
      run(begin.text, []).then(begin.resolve, begin.reject);
    };

    // pg corks the socket for the messages of one statement; corking around several sends them
    // all in one write (one system call, one wake-up of the server).
    const socket = (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection?.stream;
    const direct: DirectConnection = {
      query<R>(query: CompiledQuery<R>): Promise<QueryResult<R>> {
        return direct.queryMany([query])[0] as Promise<QueryResult<R>>;
      },
      queryMany(queries) {
        socket?.cork?.();
        try {
          sendDeferredBegin();
          // run() hands its statement to the client before its first await, so these go in order.
          return queries.map((query) => run(query.sql, query.parameters).then(toQueryResult));
        } finally {
          socket?.uncork?.();
        }
      },
    };

    return {
      query: ((text: unknown, parameters?: readonly unknown[]) => {
        // A write transaction's BEGIN asking for this connection's direct runner
        // (direct-connection.ts): it is held back to go out in one write with the transaction's
        // first statement, or on its own at the end of this turn if none comes first.
        if (typeof text === 'string' && parameters?.length === 1 && parameters[0] instanceof DirectConnectionRequest) {
          parameters[0].connection = direct;
          return new Promise((resolve, reject) => {
            deferredBegin = { text, resolve, reject };
            queueMicrotask(sendDeferredBegin);
          });
        }
        sendDeferredBegin();
        // Cursors (streaming) pass through untouched.
        if (typeof text !== 'string') return client.query(text as never);
        return run(text, parameters ?? []);
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
