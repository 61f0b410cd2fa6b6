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

    // Statements waiting to go out together (a write transaction's BEGIN among them, and those a
    // statement program sends ahead), with what each is answered by.
    let outbox: { text: string; parameters: readonly unknown[]; answer(result: Promise<PostgresQueryResult<unknown>>): void; out: boolean }[] = [];
    let flushScheduled = false;
    // Kept only once a write transaction has asked for the direct runner (its statements' failures
    // are reported at COMMIT); other statements are answered as they are.
    let tracking = false;
    let failure: { error: unknown } | undefined;
    const unsettled = new Set<Promise<unknown>>();
    // pg corks the socket for the messages of one statement; corking around several sends them
    // all in one write (one system call, one wake-up of the server).
    const socket = (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection?.stream;

    /** Runs a statement and keeps track of it: the first failure, and until it is answered. */
    const tracked = <R>(text: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>> => {
      const result = run<R>(text, parameters);
      if (!tracking) return result;
      const settled = result.then(
        () => undefined,
        (error: unknown) => {
          failure ??= { error };
        },
      );
      unsettled.add(settled);
      void settled.then(() => unsettled.delete(settled));
      return result;
    };

    /** Sends the outbox in one write; run() hands each statement to the client before its first await, so they go in order. */
    const flush = () => {
      if (outbox.length === 0) return;
      const batch = outbox;
      outbox = [];
      socket?.cork?.();
      try {
        for (const entry of batch) {
          entry.out = true;
          entry.answer(tracked(entry.text, entry.parameters));
        }
      } finally {
        socket?.uncork?.();
      }
    };
    const queue = <R>(text: string, parameters: readonly unknown[]): { result: Promise<PostgresQueryResult<R>>; queued(): boolean } => {
      let entry!: (typeof outbox)[number];
      const result = new Promise<PostgresQueryResult<R>>((resolve, reject) => {
        entry = { text, parameters, answer: (r) => (r as Promise<PostgresQueryResult<R>>).then(resolve, reject), out: false };
      });
      outbox.push(entry);
      return { result, queued: () => !entry.out };
    };
    /**
     * A statement that stays in the outbox. Whoever waits for one flushes first (the statement
     * runner, COMMIT, any other statement on the connection); this is only the backstop against a
     * wait that did not: a millisecond, so it does not split a round trip whose answer comes in
     * two reads.
     */
    const hold = <R>(text: string, parameters: readonly unknown[]) => {
      const queued = queue<R>(text, parameters);
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
        const { result } = queue<R>(query.sql, query.parameters);
        flush();
        return result.then(toQueryResult);
      },
      send<R>(query: CompiledQuery<R>) {
        const { result, queued } = hold<R>(query.sql, query.parameters);
        return { answer: result.then(toQueryResult), queued };
      },
      flush,
      failure: () => failure,
      async settled() {
        flush();
        while (unsettled.size > 0) await Promise.all(unsettled);
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
          return hold(text, []).result;
        }
        // Anything else goes after what waits in the outbox.
        flush();
        // Cursors (streaming) pass through untouched.
        if (typeof text !== 'string') return client.query(text as never);
        return tracked(text, parameters ?? []);
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
