// Transaction logic written once, as a generator of the statements it runs, and run by the
// shortest way each database allows. A program yields each statement and gets its result back:
//
//   function* finishStep(id: string): Program<boolean> {
//     const { numAffectedRows } = yield* exec(finishQuery.statement({ id }));
//     return Number(numAffectedRows ?? 0) > 0;
//   }
//
// On SQLite, inside a transaction's connection scope, every statement runs synchronously on the
// connection and the program resumes at once: a saga's transition (a dozen statements) creates no
// promise per statement, where each async layer cost more than the statement it wrapped. On
// Postgres each statement is a round trip that the runner awaits. A failed statement is thrown
// into the program at its `yield`, so `try`/`catch` around it works as around an `await`.

import type { CompiledQuery, QueryResult } from 'kysely';
import { runCompiled, type DatabaseHandle } from './create-database';
import type { Tx } from './dialect-strategy';

/** What a program asks its runner for: a statement's result, or the end of some asynchronous work. */
export type Instruction = { readonly query: CompiledQuery<unknown> } | { readonly wait: () => Promise<unknown> };

/** A piece of transaction logic; compose programs with `yield*`. */
export type Program<T> = Generator<Instruction, T, unknown>;

/** Runs a statement and answers its result. */
export function* exec<R>(query: CompiledQuery<R>): Program<QueryResult<R>> {
  return (yield { query }) as QueryResult<R>;
}

/** Waits for asynchronous work (a hook written as an async function); the program resumes when it settles. */
export function* waitOn<T>(work: () => Promise<T>): Program<T> {
  return (yield { wait: work }) as T;
}

/** Runs a statement: synchronously (a result), or asynchronously (a promise of one). */
export type StatementExecutor = (query: CompiledQuery<unknown>) => QueryResult<unknown> | Promise<QueryResult<unknown>>;

/** True for a program (a generator), as against a promise or a plain value. */
export function isProgram(value: unknown): value is Program<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { next?: unknown }).next === 'function' && typeof (value as { throw?: unknown }).throw === 'function';
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Drives the program from where it stopped: answers each instruction in place while its answer is
 * at hand, and continues after a promise only when one comes back (never, with `synchronous`:
 * waiting is then an error thrown into the program). Returns the program's value, or a promise of
 * it once anything was asynchronous; throws what the program throws.
 */
function drive<T>(program: Program<T>, execute: StatementExecutor, synchronous: boolean, failed: boolean, input: unknown): T | Promise<T> {
  for (;;) {
    const step = failed ? program.throw(input) : program.next(input);
    if (step.done) return step.value;
    const instruction = step.value;
    let answer: unknown;
    try {
      if ('query' in instruction) answer = execute(instruction.query);
      else if (synchronous) throw new Error('a synchronous statement program waited for asynchronous work');
      else answer = instruction.wait();
      if (synchronous && isPromise(answer)) {
        answer.catch(() => undefined);
        throw new Error('a synchronous statement program got an asynchronous answer');
      }
    } catch (err) {
      failed = true;
      input = err;
      continue;
    }
    if (isPromise(answer)) {
      return answer.then(
        (value) => drive(program, execute, false, false, value),
        (err: unknown) => drive(program, execute, false, true, err),
      );
    }
    failed = false;
    input = answer;
  }
}

/**
 * Runs a program whose statements all answer synchronously (SQLite, on a connection the caller
 * holds) and that waits for nothing; a wait is thrown into the program as an error.
 */
export function runSynchronously<T>(program: Program<T>, execute: (query: CompiledQuery<unknown>) => QueryResult<unknown>): T {
  return drive(program, execute, true, false, undefined) as T;
}

/**
 * Runs a program in `trx`, a transaction or connection scope: on SQLite its statements run
 * synchronously on the connection the scope holds; on Postgres each is awaited. Given the
 * database itself, each statement commits on its own; on SQLite the whole program then runs at
 * once with the connection to itself (SqliteNative.exclusive), so no other statement of this
 * process comes in between, and it must not wait for asynchronous work there.
 */
export function runProgram<T>(database: DatabaseHandle, trx: Tx, program: Program<T>): Promise<T> {
  const native = database.sqlite;
  if (native && trx === database.db) return native.exclusive((_, prepare) => runSynchronously(program, (query) => runCompiled(prepare, query)));
  const execute: StatementExecutor = native ? (query) => native.runOnHeldConnection(trx, query) : (query) => trx.executeQuery(query);
  try {
    const result = drive(program, execute, false, false, undefined);
    return isPromise(result) ? result : Promise.resolve(result);
  } catch (err) {
    return Promise.reject(err);
  }
}
