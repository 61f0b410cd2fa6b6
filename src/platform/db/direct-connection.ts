// Postgres: the statements of a write transaction straight on its pg connection, without Kysely's
// executor around each one.
//
// Through Kysely, one statement inside a transaction passes a connection provider that queues
// callers, the executor and the driver's connection, each an async layer: about eight promises a
// statement, every one of them seen by the execution context's async hook. A saga's transition is
// a dozen statements, and those layers cost the worker more CPU than the statements did
// (bench/findings.md). The strategy's write transaction asks the pool's wrapper for the
// connection's direct runner when it sends BEGIN (the request rides in BEGIN's parameters, which
// only the wrapper sees), and statement programs and transaction runners use it from then on.
// Results are shaped as Kysely's Postgres driver shapes them. The pool's connections are in pg's
// pipeline mode, so statements a program does not wait on go out together (statement-program.ts).
//
// The runner is held for a connection scope only while its transaction is open; the map is keyed
// by the scope, so an entry goes when the scope does.

import type { CompiledQuery, QueryResult } from 'kysely';
import type { Tx } from './dialect-strategy';

export interface DirectConnection {
  /** Runs a compiled statement on the transaction's connection, answered as Kysely answers it. */
  query<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
  /**
   * Sends statements one after another without waiting for each answer (the connection is in
   * pipeline mode), in one write to the socket; each is answered as query() answers it, in order.
   * Postgres runs them in order, so they behave as if each had waited for the one before, except
   * that none of them can depend on an earlier one's answer. In a transaction, after one fails the
   * later ones fail as well (the transaction is aborted).
   */
  queryMany(queries: readonly CompiledQuery<unknown>[]): Promise<QueryResult<unknown>>[];
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
