// The physical ceiling for the SQLite queue: a synchronous better-sqlite3 loop that claims and
// completes the same rows (ids made as Catalynx makes them) with the same statements Catalynx issues (due-agents scan, running count,
// breaker read, pick-and-lease, attempt insert; then one completion of the whole claimed batch:
// task update guarded by the lease and the breaker, answering id and attempts; attempt update), in the same transactions (BEGIN IMMEDIATE: a batch's
// completion and the claim of the slots it frees share one), with no worker, agent runtime or ORM
// around it.

import { newRowId } from '../src/platform/ids';
import BetterSqlite3 from 'better-sqlite3';
import { NOOP_AGENT_ID } from './noop-agent';
import type { QueueSubject } from './queue-subject';
import { createBenchSqliteFile } from './sqlite-file';

export function rawSqliteQueueSubject(opts: { concurrency: number }): QueueSubject {
  return {
    name: 'raw better-sqlite3 loop',
    async create() {
      const file = await createBenchSqliteFile('raw');
      const db = new BetterSqlite3(file.filename, { timeout: 5000 });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      const insert = db.prepare(
        `insert into tasks (id, agent_id, action, input, status, priority, run_at, attempts, max_attempts, timeout_seconds,
          idempotency_key, result, last_error, locked_by, locked_until, cancel_requested, correlation_id, workflow_run_id,
          workflow_step_id, workflow_task_kind, created_at, updated_at, started_at, finished_at)
         values (?, ?, 'run', ?, 'queued', 0, ?, 0, 3, null, null, null, null, null, null, 0, null, null, null, null, ?, ?, null, null)
         on conflict (agent_id, idempotency_key) where idempotency_key is not null do nothing returning *`,
      );
      const best = (column: string) =>
        `(select b.${column} from tasks b where b.status = 'queued' and b.agent_id = agents.agent_id and b.run_at <= @t
          order by b.priority desc, b.run_at, b.created_at limit 1)`;
      const dueAgents = db.prepare(
        `with recursive agents(agent_id) as (
           select * from (select agent_id from tasks where status = 'queued' order by agent_id limit 1)
           union all
           select (select n.agent_id from tasks n where n.status = 'queued' and n.agent_id > agents.agent_id order by n.agent_id limit 1)
           from agents where agents.agent_id is not null)
         select due.agent_id from (select agent_id, ${best('priority')} as priority, ${best('run_at')} as run_at from agents where agent_id is not null) as due
         where due.priority is not null order by due.priority desc, due.run_at`,
      );
      const runningCount = db.prepare(`select count(*) as n from tasks where status = 'running' and agent_id = ?`);
      const breaker = db.prepare(`select state from circuit_breakers where name = ?`);
      const claimRows = db.prepare(
        `with picked as materialized (
           select id from tasks where agent_id = ? and status = 'queued' and run_at <= ? order by priority desc, run_at, created_at limit ?)
         update tasks set status = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1,
           started_at = coalesce(started_at, ?), updated_at = ? where id in (select id from picked) returning *`,
      );
      // Statements over a batch have one shape per batch size, as Kysely builds them.
      const perSize = (build: (k: number) => string) => {
        const cache = new Map<number, BetterSqlite3.Statement>();
        return (k: number) => {
          let st = cache.get(k);
          if (!st) cache.set(k, (st = db.prepare(build(k))));
          return st;
        };
      };
      const attemptInsert = perSize(
        (k) => `insert into task_attempts (task_id, attempt, worker_id, started_at, finished_at, outcome, error) values ${Array(k).fill('(?, ?, ?, ?, null, null, null)').join(', ')}`,
      );
      const completeTasks = perSize(
        (k) => `update tasks set status = 'succeeded', result = case id ${Array(k).fill('when ? then ?').join(' ')} end, last_error = null,
          locked_by = null, locked_until = null, finished_at = ?, updated_at = ?
          where id in (${Array(k).fill('?').join(', ')}) and (id, attempts) in (${Array(k).fill('(?, ?)').join(', ')})
          and status = 'running' and locked_by = ? and workflow_run_id is null
          and not exists (select 1 from circuit_breakers b where b.name = 'agent:' || tasks.agent_id and (b.state <> 'closed' or b.failure_count <> 0))
          returning id, attempts`,
      );
      const finishAttempts = perSize(
        (k) => `update task_attempts set finished_at = ?, outcome = 'succeeded', error = null where (task_id, attempt) in (${Array(k).fill('(?, ?)').join(', ')})`,
      );
      const succeeded = db.prepare(`select count(*) as n from tasks where status = 'succeeded'`);
      const workerId = 'raw-loop';

      type Row = { id: string; attempts: number };
      const claim = db.transaction((t: number): Row[] => claimRowsIn(t));
      const completeRows = (rows: Row[], t: number) => {
        const done = completeTasks(rows.length).all(
          ...rows.flatMap((r) => [r.id, 'null']),
          t,
          t,
          ...rows.map((r) => r.id),
          ...rows.flatMap((r) => [r.id, r.attempts]),
          workerId,
        ) as Row[];
        finishAttempts(done.length).run(t, ...done.flatMap((r) => [r.id, r.attempts]));
      };
      const claimRowsIn = (t: number): Row[] => {
        const agents = dueAgents.all({ t }) as { agent_id: string }[];
        if (agents.length === 0) return [];
        breaker.get(`agent:${NOOP_AGENT_ID}`);
        const n = (runningCount.get(NOOP_AGENT_ID) as { n: number }).n;
        const capacity = opts.concurrency - n;
        if (capacity <= 0) return [];
        const rows = claimRows.all(NOOP_AGENT_ID, t, capacity, workerId, t + 30_000, t, t) as Row[];
        if (rows.length > 0) attemptInsert(rows.length).run(...rows.flatMap((r) => [r.id, r.attempts, workerId, t]));
        return rows;
      };
      // As Catalynx does: a batch's completion and the claim of the slots it frees share a transaction.
      const completeAndClaim = db.transaction((rows: Row[], t: number): Row[] => {
        completeRows(rows, t);
        return claimRowsIn(t);
      });
      let handled = 0;
      let stopped = false;
      let pending: Row[] = [];
      return {
        async enqueueBulk(n) {
          const t = Date.now();
          db.transaction(() => {
            for (let i = 0; i < n; i++) insert.get(newRowId(), NOOP_AGENT_ID, JSON.stringify({ i }), t, t, t);
          }).immediate();
        },
        async enqueueOne(seq) {
          const t = Date.now();
          insert.get(newRowId(), NOOP_AGENT_ID, JSON.stringify({ seq }), t, t, t);
        },
        async startWorker() {
          // Runs to empty in slices so the event loop (the completion wait) still gets turns.
          const slice = () => {
            if (stopped) return;
            for (let k = 0; k < 50; k++) {
              if (pending.length === 0) pending = claim.immediate(Date.now());
              if (pending.length === 0) return;
              handled += pending.length;
              pending = completeAndClaim.immediate(pending, Date.now());
            }
            setImmediate(slice);
          };
          setImmediate(slice);
        },
        processed: () => handled,
        async allCompleted(n) {
          return (succeeded.get() as { n: number }).n >= n;
        },
        async teardown() {
          stopped = true;
          db.close();
          await file.drop();
        },
      };
    },
  };
}
