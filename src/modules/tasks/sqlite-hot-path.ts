// SQLite: the queue's two hot transactions (claim; finish plain successes and lease the worker's
// next tasks) run synchronously on better-sqlite3's own API, with statements prepared once. better-sqlite3 is a synchronous driver;
// going through Kysely's asynchronous pipeline cost more than the statements themselves (about
// three quarters of a claim-and-finish cycle). The statements are those of the Kysely paths in
// claim-tasks.ts and complete-in-transaction.ts, and anything they do not cover (a breaker that is not closed and clean, finish
// hooks of workflow tasks, Postgres) takes those paths.

import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { SqliteNative } from '../../platform/db';
import type { Database, TasksTable } from '../../platform/db/schema';
import { agentBreakerName } from '../agents/breaker-store';

export interface SqliteClaim {
  rows: TasksTable[];
  /** Agents with due work passed over because their breaker is not closed (the caller decides). */
  breakerHeld: string[];
}

export interface SqliteSuccess {
  id: string;
  attempts: number;
  /** The result, already JSON. */
  result: string;
}

export interface SqliteHotPath {
  /** Leases up to `slots` due tasks across agents, best first, within each agent's limit. */
  claim(workerId: string, slots: number, t: number): Promise<SqliteClaim>;
  /**
   * Finishes a worker's successes that need nothing more (no workflow run, breaker closed and
   * clean) and leases it up to `slots` next tasks, in one transaction.
   */
  completePlain(workerId: string, items: readonly SqliteSuccess[], slots: number, t: number): Promise<{ done: Set<string>; claim?: SqliteClaim }>;
  /**
   * completePlain, committed at once when the connection is free (SqliteNative.tryExclusive);
   * undefined, with nothing done, when it is not.
   */
  completePlainNow(workerId: string, items: readonly SqliteSuccess[], slots: number, t: number): { done: Set<string>; claim?: SqliteClaim } | undefined;
  /**
   * The claim, inside a transaction the caller holds (`holder`, as SqliteNative.onHeldConnection
   * takes it): it commits or rolls back with the caller's changes.
   */
  claimWithin(holder: Kysely<Database>, workerId: string, slots: number, t: number): SqliteClaim;
}

const BEST = (column: string) =>
  `(select b.${column} from tasks b where b.status = 'queued' and b.agent_id = agents.agent_id and b.run_at <= @t
     order by b.priority desc, b.run_at, b.created_at limit 1)`;

const DUE_AGENTS = `
  with recursive agents(agent_id) as (
    select * from (select agent_id from tasks where status = 'queued' order by agent_id limit 1)
    union all
    select (select n.agent_id from tasks n where n.status = 'queued' and n.agent_id > agents.agent_id order by n.agent_id limit 1)
    from agents where agents.agent_id is not null)
  select due.agent_id from (select agent_id, ${BEST('priority')} as priority, ${BEST('run_at')} as run_at from agents where agent_id is not null) as due
  where due.priority is not null
  order by due.priority desc, due.run_at`;

const RUNNING = `select count(*) as n from tasks where status = 'running' and agent_id = ?`;
const BREAKER_STATE = `select state from circuit_breakers where name = ?`;
const LEASE = `
  with picked as materialized (
    select id from tasks where status = 'queued' and agent_id = @agent and run_at <= @t
    order by priority desc, run_at, created_at limit @capacity)
  update tasks set status = 'running', locked_by = @worker, locked_until = @until, attempts = attempts + 1,
    started_at = coalesce(started_at, @t), updated_at = @t
  where id in (select id from picked)
  returning *`;

const list = (n: number, item: string) => Array.from({ length: n }, () => item).join(', ');

export function createSqliteHotPath(native: SqliteNative, opts: { leaseMs: number; limitFor(agentId: string): number }): SqliteHotPath {
  // Statement texts per batch size, built once (the same string each time, so the statement cache
  // finds it without rehashing a fresh string).
  const perSize = (build: (k: number) => string) => {
    const texts = new Map<number, string>();
    return (k: number) => {
      let text = texts.get(k);
      if (text === undefined) texts.set(k, (text = build(k)));
      return text;
    };
  };
  const insertAttempts = perSize((k) => `insert into task_attempts (task_id, attempt, worker_id, started_at, finished_at, outcome, error) values ${list(k, '(?, ?, ?, ?, null, null, null)')}`);
  // The lease fence per task (holder, attempt, running), as in the Kysely path; only plain tasks
  // on a closed, clean breaker.
  const finishPlain = perSize(
    (k) => `update tasks set status = 'succeeded', result = case id ${Array.from({ length: k }, () => 'when ? then ?').join(' ')} end, last_error = null,
       locked_by = null, locked_until = null, finished_at = ?, updated_at = ?
     where id in (${list(k, '?')}) and (id, attempts) in (${list(k, '(?, ?)')})
       and status = 'running' and locked_by = ? and workflow_run_id is null
       and not exists (select 1 from circuit_breakers b where b.name = 'agent:' || tasks.agent_id and (b.state <> 'closed' or b.failure_count <> 0))
     returning id, attempts`,
  );
  const finishAttempts = perSize((k) => `update task_attempts set finished_at = ?, outcome = 'succeeded', error = null where (task_id, attempt) in (${list(k, '(?, ?)')})`);

  type Prepare = (sql: string) => BetterSqlite3.Statement;
  // Transaction functions are made once per connection (better-sqlite3 builds a wrapper each time).
  let transactions:
    | {
        connection: BetterSqlite3.Database;
        claim: BetterSqlite3.Transaction<(p: Prepare, workerId: string, slots: number, t: number) => SqliteClaim>;
        complete: BetterSqlite3.Transaction<(p: Prepare, workerId: string, items: readonly SqliteSuccess[], slots: number, t: number) => { done: Set<string>; claim?: SqliteClaim }>;
      }
    | undefined;
  const transactionsOf = (connection: BetterSqlite3.Database) => {
    if (transactions?.connection === connection) return transactions;
    transactions = {
      connection,
      claim: connection.transaction((prepare: Prepare, workerId: string, slots: number, t: number): SqliteClaim => claimIn(prepare, workerId, slots, t)),
      complete: connection.transaction((prepare: Prepare, workerId: string, items: readonly SqliteSuccess[], slots: number, t: number) => {
        const done = completeIn(prepare, workerId, items, t);
        return { done, claim: slots > 0 ? claimIn(prepare, workerId, slots, t) : undefined };
      }),
    };
    return transactions;
  };

  function claimIn(prepare: Prepare, workerId: string, slots: number, t: number): SqliteClaim {
    const rows: TasksTable[] = [];
    const breakerHeld: string[] = [];
    for (const { agent_id: agentId } of prepare(DUE_AGENTS).all({ t }) as { agent_id: string }[]) {
      const left = slots - rows.length;
      if (left <= 0) break;
      const breaker = prepare(BREAKER_STATE).get(agentBreakerName(agentId)) as { state: string } | undefined;
      if (breaker && breaker.state !== 'closed') {
        breakerHeld.push(agentId);
        continue;
      }
      const running = (prepare(RUNNING).get(agentId) as { n: number }).n;
      const capacity = Math.min(opts.limitFor(agentId) - running, left);
      if (capacity <= 0) continue;
      const leased = prepare(LEASE).all({ agent: agentId, t, capacity, worker: workerId, until: t + opts.leaseMs }) as TasksTable[];
      if (leased.length === 0) continue;
      prepare(insertAttempts(leased.length)).run(leased.flatMap((r) => [r.id, r.attempts, workerId, t]));
      rows.push(...leased);
    }
    return { rows, breakerHeld };
  }

  function completeIn(prepare: Prepare, workerId: string, items: readonly SqliteSuccess[], t: number): Set<string> {
    if (items.length === 0) return new Set();
    const finished = prepare(finishPlain(items.length)).all([
      ...items.flatMap((i) => [i.id, i.result]),
      t,
      t,
      ...items.map((i) => i.id),
      ...items.flatMap((i) => [i.id, i.attempts]),
      workerId,
    ]) as { id: string; attempts: number }[];
    if (finished.length > 0) prepare(finishAttempts(finished.length)).run([t, ...finished.flatMap((r) => [r.id, r.attempts])]);
    return new Set(finished.map((r) => r.id));
  }

  return {
    claimWithin(holder, workerId, slots, t) {
      return native.onHeldConnection(holder, (_, prepare) => claimIn(prepare, workerId, slots, t));
    },
    claim(workerId, slots, t) {
      return native.exclusive((connection, prepare) => transactionsOf(connection).claim.immediate(prepare, workerId, slots, t));
    },
    completePlain(workerId, items, slots, t) {
      if (items.length === 0 && slots <= 0) return Promise.resolve({ done: new Set<string>() });
      return native.exclusive((connection, prepare) => transactionsOf(connection).complete.immediate(prepare, workerId, items, slots, t));
    },
    completePlainNow(workerId, items, slots, t) {
      if (items.length === 0 && slots <= 0) return { done: new Set<string>() };
      return native.tryExclusive((connection, prepare) => transactionsOf(connection).complete.immediate(prepare, workerId, items, slots, t))?.value;
    },
  };
}
