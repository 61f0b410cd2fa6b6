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
// Postgres each statement is a round trip that the runner awaits; a statement whose answer is
// not needed yet is sent with `send` instead, and goes out with the next one the program waits
// for, in one round trip (in the strategy's write transactions, whose connection pipelines); one
// whose place does not matter, with `sendLast`, goes out when the program ends (with COMMIT). A
// failed statement is thrown into the program at its `yield` (a sent one's at the next statement
// waited for), so `try`/`catch` around it works as around an `await`.

import type { CompiledQuery, QueryResult } from 'kysely';
import { runCompiled, type DatabaseHandle } from './create-database';
import { directConnectionOf, type DirectConnection } from './direct-connection';
import type { Tx } from './dialect-strategy';

/** A statement sent without waiting for its answer; `receive` gets the answer. */
export class Sent<R> {
  /** The answer, once there is one (at once on SQLite; on Postgres when it comes back, at the latest before the transaction's COMMIT is answered). */
  answer: QueryResult<R> | undefined;
  /** Its failure, once it failed. */
  failure: { error: unknown } | undefined;
  /** True while the statement waits to go out (Postgres, pipelined). */
  queued: () => boolean = () => false;
  #waiting: (() => void)[] | undefined;

  /** Records the answer or the failure (`error` undefined: answered) and wakes whoever waits for it. */
  settle(error: unknown, answer?: QueryResult<R>): void {
    if (error === undefined) this.answer = answer;
    else this.failure = { error };
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) for (const wake of waiting) wake();
  }

  /** The answer, once it comes (a promise is made only for a caller that has to wait). */
  result(): Promise<QueryResult<R>> {
    return new Promise((resolve, reject) => {
      const done = () => (this.failure ? reject(this.failure.error) : resolve(this.answer!));
      if (this.answer || this.failure) done();
      else (this.#waiting ??= []).push(done);
    });
  }
}

/** What a program asks its runner for: a statement's result, a statement sent ahead, or the end of some asynchronous work. */
export type Instruction =
  | { readonly query: CompiledQuery<unknown> }
  | { readonly send: CompiledQuery<unknown> }
  | { readonly sendLast: CompiledQuery<unknown> }
  | { readonly sendNow: CompiledQuery<unknown> }
  | { readonly gather: Gathering<unknown, unknown>; readonly item: unknown }
  | { readonly receive: Sent<unknown> }
  | { readonly wait: () => Promise<unknown> };

/** A piece of transaction logic; compose programs with `yield*`. */
export type Program<T> = Generator<Instruction, T, unknown>;

/** Runs a statement and answers its result. */
export function* exec<R>(query: CompiledQuery<R>): Program<QueryResult<R>> {
  return (yield { query }) as QueryResult<R>;
}

/**
 * Sends a statement without waiting for its answer: it runs before every statement that follows
 * it, as with exec, and on Postgres it goes out with the next statement the program waits for (one
 * round trip for both). For statements whose answer is not needed at once, or at all; a failure
 * is thrown into the program at the next statement it waits for (or ends its run).
 */
export function* send<R>(query: CompiledQuery<R>): Program<Sent<R>> {
  return (yield { send: query }) as Sent<R>;
}

/**
 * Sends a statement to run at the end of the program: on Postgres it stays behind until the program
 * ends and goes out then, after every statement the program sent or ran, with the transaction's
 * COMMIT; sooner only when the program waits for its answer or for other work (`waitOn`: a hook
 * may read what it writes). Where statements run one by one it runs at once, like `send`.
 * Statements sent last run in the order they were given. For a statement whose place in the
 * transaction does not matter and that is better late: an event append, whose global ordering
 * lock is then held from the end of the transaction to its commit rather than across the round
 * trips after it (bench/findings.md item 68).
 */
export function* sendLast<R>(query: CompiledQuery<R>): Program<Sent<R>> {
  return (yield { sendLast: query }) as Sent<R>;
}

/**
 * A kind of statement sent last whose items a program gathers into one statement: an event
 * append per saga step of a completion batch becomes one append for all of them (bench/findings.md
 * item 83). `build` makes the statement for the items, in the order they were given; every
 * item's Sent gets the whole statement's answer, so an item's result must be findable in it.
 */
export interface Gathering<I, R> {
  build(items: readonly I[]): CompiledQuery<R>;
  /**
   * Whether a statement already holding `items` takes `item` too (default: always); one that does
   * not starts the next statement, which goes out after it. For a bound on one statement's size
   * (Postgres takes at most 65,535 parameters a statement).
   */
  accepts?(items: readonly I[], item: I): boolean;
}

/**
 * Sends an item of a gathering to run at the end of the program, as `sendLast` does, in one
 * statement with the other items of the same gathering still held back: on Postgres the items
 * go out together, in the place of the first, when the program ends (or waits for one of them,
 * or for other work); an item given after that, or one the statement does not accept, starts a
 * new statement. Where statements run one by one each item runs at once, in a statement of its own.
 */
export function* sendLastGathered<I, R>(gathering: Gathering<I, R>, item: I): Program<Sent<R>> {
  return (yield { gather: gathering as Gathering<unknown, unknown>, item }) as Sent<R>;
}

/**
 * Sends a statement and puts it on the wire at once (on Postgres, with whatever waits in the
 * outbox before it), without waiting for its answer: the database works on it while the program
 * prepares what comes next. For a large statement the program follows with more work of its own
 * (the chunks of a bulk insert). Where statements run one by one it runs at once, like `send`.
 */
export function* sendNow<R>(query: CompiledQuery<R>): Program<Sent<R>> {
  return (yield { sendNow: query }) as Sent<R>;
}

/** The answer of a statement sent earlier. */
export function* receive<R>(sent: Sent<R>): Program<QueryResult<R>> {
  return (yield { receive: sent as Sent<unknown> }) as QueryResult<R>;
}

/** Waits for asynchronous work (a hook written as an async function); the program resumes when it settles. */
export function* waitOn<T>(work: () => Promise<T>): Program<T> {
  return (yield { wait: work }) as T;
}

/** Runs a statement: synchronously (a result), or asynchronously (a promise of one). */
export type StatementExecutor = (query: CompiledQuery<unknown>) => QueryResult<unknown> | Promise<QueryResult<unknown>>;

type Answer<T> = T | Promise<T>;

/** How a runner carries out a program's statements. */
interface Runner {
  exec(query: CompiledQuery<unknown>): Answer<QueryResult<unknown>>;
  send(query: CompiledQuery<unknown>): Answer<Sent<unknown>>;
  sendLast(query: CompiledQuery<unknown>): Answer<Sent<unknown>>;
  sendNow(query: CompiledQuery<unknown>): Answer<Sent<unknown>>;
  gather(gathering: Gathering<unknown, unknown>, item: unknown): Answer<Sent<unknown>>;
  receive(sent: Sent<unknown>): Answer<QueryResult<unknown>>;
  /** Before the program waits for other work: statements sent last are due, as the work may read what they write. */
  beforeWait(): void;
  /** At the program's end: every statement it sent has answered; throws the first failure. */
  finish(): Answer<void>;
}

/** True for a program (a generator), as against a promise or a plain value. */
export function isProgram(value: unknown): value is Program<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { next?: unknown }).next === 'function' && typeof (value as { throw?: unknown }).throw === 'function';
}

function isPromise(value: unknown): value is Promise<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Each statement runs when the program reaches it, sent ones too (SQLite; Postgres through
 * Kysely). A sent statement's failure is kept and thrown at the next statement waited for (which
 * then does not run) or at the program's end, as where statements are pipelined.
 */
function statementByStatement(execute: StatementExecutor): Runner {
  let failure: { error: unknown } | undefined;
  const check = () => {
    if (failure) throw failure.error;
  };
  const runner: Runner = {
    exec(query) {
      check();
      return execute(query);
    },
    sendLast: (query) => runner.send(query),
    sendNow: (query) => runner.send(query),
    gather: (gathering, item) => runner.send(gathering.build([item])),
    send(query) {
      check();
      const sent = new Sent();
      let answer: ReturnType<StatementExecutor>;
      try {
        answer = execute(query);
      } catch (error) {
        failure = { error };
        return sent;
      }
      if (!isPromise(answer)) {
        sent.answer = answer;
        return sent;
      }
      return answer.then(
        (a) => {
          sent.answer = a;
          return sent;
        },
        (error: unknown) => {
          failure = { error };
          return sent;
        },
      );
    },
    receive(sent) {
      check();
      return sent.answer!;
    },
    beforeWait: () => undefined,
    finish: check,
  };
  return runner;
}

/**
 * Postgres, on a write transaction's own connection: sent statements wait in the connection's
 * outbox and go out with the next statement waited for, in one write (the connection pipelines
 * them); those the program never waits for go out with COMMIT, where the transaction reports their
 * failure. Postgres answers in order; once one fails the transaction is aborted and the later
 * ones fail too, so the first failure is the one the program is told about.
 */
function pipelined(direct: DirectConnection): Runner {
  const check = <T>(answer: T): T => {
    const failure = direct.failure();
    if (failure) throw failure.error;
    return answer;
  };
  const firstFailure = (error: unknown): never => {
    throw direct.failure()?.error ?? error;
  };
  // Statements sent last, held back until the program ends or waits for one of them: a statement,
  // or the items of a gathering, built into one statement when they go out.
  type Held = { sent: Sent<unknown>; query: CompiledQuery<unknown> } | { sent: Sent<unknown>; gathering: Gathering<unknown, unknown>; items: unknown[] };
  let last: Held[] = [];
  const out = (sent: Sent<unknown>, query: CompiledQuery<unknown>) => {
    sent.queued = direct.send(query, (error, answer) => sent.settle(error, answer)).queued;
  };
  /** The newest statement held back for `gathering`, if any. */
  const newestOf = (gathering: Gathering<unknown, unknown>) => {
    for (let i = last.length - 1; i >= 0; i--) {
      const h = last[i]!;
      if ('gathering' in h && h.gathering === gathering) return h;
    }
    return undefined;
  };
  const releaseLast = () => {
    if (last.length === 0) return;
    const held = last;
    last = [];
    for (const h of held) out(h.sent, 'query' in h ? h.query : h.gathering.build(h.items));
  };
  return {
    exec: (query) => direct.query(query).then(check, firstFailure),
    send(query) {
      const sent = new Sent();
      out(sent, query);
      return sent;
    },
    sendNow(query) {
      const sent = new Sent();
      out(sent, query);
      direct.flush();
      return sent;
    },
    sendLast(query) {
      const sent = new Sent();
      sent.queued = () => true;
      last.push({ sent, query });
      return sent;
    },
    gather(gathering, item) {
      // The newest statement of this gathering takes it, unless it is full.
      const held = newestOf(gathering);
      if (held && (gathering.accepts?.(held.items, item) ?? true)) {
        held.items.push(item);
        return held.sent;
      }
      const sent = new Sent();
      sent.queued = () => true;
      last.push({ sent, gathering, items: [item] });
      return sent;
    },
    receive(sent) {
      // Held back to the end: it goes now, with the others held back (in their order).
      if (last.some((h) => h.sent === sent)) releaseLast();
      // Still in the outbox: it goes now (with whatever waits with it). Already out: only its answer is awaited.
      if (sent.queued()) direct.flush();
      // Answered already (sent with an earlier round trip): no promise.
      if (sent.answer) return check(sent.answer);
      if (sent.failure) return firstFailure(sent.failure.error);
      return sent.result().then(check, firstFailure);
    },
    // Into the outbox, not out: a statement the work runs takes them out first.
    beforeWait: releaseLast,
    finish() {
      // Those held back join the outbox, after everything else: COMMIT takes them out.
      releaseLast();
      const failure = direct.failure();
      if (failure) throw failure.error;
    },
  };
}

/**
 * Drives the program from where it stopped: answers each instruction in place while its answer is
 * at hand, and continues after a promise only when one comes back (never, with `synchronous`:
 * waiting is then an error thrown into the program). Returns the program's value, or a promise of
 * it once anything was asynchronous; throws what the program throws.
 */
function drive<T>(program: Program<T>, runner: Runner, synchronous: boolean, failed: boolean, input: unknown): T | Promise<T> {
  for (;;) {
    const step = failed ? program.throw(input) : program.next(input);
    if (step.done) {
      const finished = runner.finish();
      return isPromise(finished) ? finished.then(() => step.value) : step.value;
    }
    const instruction = step.value;
    let answer: unknown;
    try {
      if ('query' in instruction) answer = runner.exec(instruction.query);
      else if ('send' in instruction) answer = runner.send(instruction.send);
      else if ('sendLast' in instruction) answer = runner.sendLast(instruction.sendLast);
      else if ('sendNow' in instruction) answer = runner.sendNow(instruction.sendNow);
      else if ('gather' in instruction) answer = runner.gather(instruction.gather, instruction.item);
      else if ('receive' in instruction) answer = runner.receive(instruction.receive);
      else if (synchronous) throw new Error('a synchronous statement program waited for asynchronous work');
      // What the program sent stays in the outbox: a statement the work runs on the connection
      // takes it out first (in order), and work that runs none leaves it for the program's next
      // statement, or the outbox's backstop (direct-connection.ts), rather than a write of its own.
      else {
        runner.beforeWait();
        answer = instruction.wait();
      }
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
        (value) => drive(program, runner, false, false, value),
        (err: unknown) => drive(program, runner, false, true, err),
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
  return drive(program, statementByStatement(execute), true, false, undefined) as T;
}

/**
 * SQLite, with the connection free: runs the program at once on the database itself, as
 * runProgram would, but synchronously, and answers `{ value }` (no promise). Undefined, having
 * run nothing, where it cannot (Postgres, or the connection held by a transaction or a query).
 */
export function runProgramNow<T>(database: DatabaseHandle, program: Program<T>): { value: T } | undefined {
  return database.sqlite?.tryExclusive((_, prepare) => runSynchronously(program, (query) => runCompiled(prepare, query)));
}

/**
 * Runs a program in `trx`, a transaction or connection scope: on SQLite its statements run
 * synchronously on the connection the scope holds; on Postgres each is awaited, straight on the
 * connection when `trx` is the strategy's write transaction (direct-connection.ts). Given the
 * database itself, each statement commits on its own; on SQLite the whole program then runs at
 * once with the connection to itself (SqliteNative.exclusive), so no other statement of this
 * process comes in between, and it must not wait for asynchronous work there.
 */
export function runProgram<T>(database: DatabaseHandle, trx: Tx, program: Program<T>): Promise<T> {
  const native = database.sqlite;
  if (native && trx === database.db) return native.exclusive((_, prepare) => runSynchronously(program, (query) => runCompiled(prepare, query)));
  const direct = native ? undefined : directConnectionOf(trx);
  const runner = native
    ? statementByStatement((query) => native.runOnHeldConnection(trx, query))
    : direct
      ? pipelined(direct)
      : statementByStatement((query) => trx.executeQuery(query));
  try {
    const result = drive(program, runner, false, false, undefined);
    return isPromise(result) ? result : Promise.resolve(result);
  } catch (err) {
    return Promise.reject(err);
  }
}
