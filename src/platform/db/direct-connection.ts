// Postgres: the statements of a write transaction straight on its pg connection, so they can be
// pipelined.
//
// Kysely runs a transaction's statements one at a time (its connection provider waits for each to
// finish before handing the connection to the next), so every statement costs a round trip, and
// a round trip, not the statement, is most of what a statement costs the worker (bench/findings.md
// item 47). The strategy's write transaction asks the pool's wrapper for the connection's direct
// runner when it sends BEGIN (the request rides in BEGIN's parameters, which only the wrapper
// sees); statement programs and transaction runners use it from then on. The pool's connections
// are in pg's pipeline mode, so statements a program does not wait on go out together in one
// write (statement-program.ts `send`). Results are shaped as Kysely's Postgres driver shapes them.
//
// The runner is held for a connection scope only while its transaction is open; the map is keyed
// by the scope, so an entry goes when the scope does.

import type { CompiledQuery, QueryResult } from 'kysely';
import type { Tx } from './dialect-strategy';

export interface DirectConnection {
  /**
   * Runs a statement, answered as Kysely answers it: it goes out in one write with the
   * statements sent before it that are still waiting (the connection pipelines them).
   */
  query<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  /**
   * Queues a statement without waiting for it: it goes out with the next statement that is
   * waited for on this connection (query(), a Kysely statement, COMMIT), or at the latest a
   * millisecond later (a backstop: whoever waits flushes first). Postgres runs the statements in the order they were given, so
   * they behave as if each had waited for the one before, except that none can use an earlier
   * one's answer; in a transaction, after one fails the later ones fail as well. `answered` gets
   * its result or its failure (no promise per statement); it must not throw.
   */
  send<R>(query: CompiledQuery<R>, answered: (error: unknown, result?: QueryResult<R>) => void): QueuedStatement;
  /** Sends the queued statements now. */
  flush(): void;
  /** The first failure of a statement given to this connection since it was handed out, if any. */
  failure(): { error: unknown } | undefined;
  /** Resolves once every statement given so far has been answered. */
  settled(): Promise<void>;
}

/** A statement given to send(): whether it has gone out yet. */
export interface QueuedStatement {
  /** True while it waits in the outbox (waiting for its answer then needs a flush). */
  queued(): boolean;
}

/** Sent as BEGIN's only parameter: the pool's wrapper puts the connection's direct runner in it. */
export class DirectConnectionRequest {
  connection: DirectConnection | undefined;
}

const held = new WeakMap<Tx, DirectConnection>();

/** The direct runner of `trx`'s open write transaction, if it has one. */
export function directConnectionOf(trx: Tx): DirectConnection | undefined {
  return held.get(trx);
}

/** Makes `connection` the direct runner of `trx` until release() is called. */
export function holdDirectConnection(trx: Tx, connection: DirectConnection): { release(): void } {
  held.set(trx, connection);
  return { release: () => held.delete(trx) };
}

/** A pg result as Kysely's Postgres driver answers it. */
export function toQueryResult<R>(result: { command: string; rowCount: number | null; rows?: R[] }): QueryResult<R> {
  const { command } = result;
  if (command === 'ROLLBACK' || command === 'COMMIT') return { rows: [{ command }] as unknown as R[] };
  return {
    numAffectedRows: command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE' ? BigInt(result.rowCount ?? 0) : undefined,
    rows: result.rows ?? [],
  };
}
