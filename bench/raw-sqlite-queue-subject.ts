// The physical ceiling for the SQLite queue: a synchronous better-sqlite3 loop that claims and
// completes the same rows with the same statements Catalynx issues (candidate scan, running count,
// breaker read, pick, claim update, attempt insert; then complete update, attempt update, breaker
// read), in the same transactions (BEGIN IMMEDIATE), with no worker, agent runtime or ORM around it.

import { randomUUID } from 'node:crypto';
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
         on conflict (agent_id, idempotency_key) do nothing returning *`,
      );
      const candidates = db.prepare(
        `select agent_id, max(priority) as top_priority, min(run_at) as oldest from tasks where status = 'queued' and run_at <= ? group by agent_id`,
      );
      const runningCount = db.prepare(`select count(*) as n from tasks where agent_id = ? and status = 'running'`);
      const breaker = db.prepare(`select * from circuit_breakers where name = ?`);
      const pick = db.prepare(
        `select id from tasks where agent_id = ? and status = 'queued' and run_at <= ? order by priority desc, run_at, created_at limit ?`,
      );
      // One claim statement per batch size, like Kysely's `where id in (…)`.
      const claimStatements = new Map<number, BetterSqlite3.Statement>();
      const claimBatch = (k: number) => {
        let st = claimStatements.get(k);
        if (!st) {
          st = db.prepare(
            `update tasks set status = 'running', locked_by = ?, locked_until = ?, attempts = attempts + 1,
              started_at = coalesce(started_at, ?), updated_at = ? where id in (${Array(k).fill('?').join(', ')}) and status = 'queued' returning *`,
          );
          claimStatements.set(k, st);
        }
        return st;
      };
      const attemptInsert = db.prepare(
        `insert into task_attempts (task_id, attempt, worker_id, started_at, finished_at, outcome, error) values (?, ?, ?, ?, null, null, null)`,
      );
      const completeTask = db.prepare(
        `update tasks set status = 'succeeded', result = 'null', last_error = null, locked_by = null, locked_until = null,
          finished_at = ?, updated_at = ? where id = ? and status = 'running' and locked_by = ? and attempts = ? returning *`,
      );
      const finishAttempt = db.prepare(`update task_attempts set finished_at = ?, outcome = 'succeeded', error = null where task_id = ? and attempt = ?`);
      const succeeded = db.prepare(`select count(*) as n from tasks where status = 'succeeded'`);
      const workerId = 'raw-loop';

      const claim = db.transaction((t: number) => {
        const n = (runningCount.get(NOOP_AGENT_ID) as { n: number }).n;
        const capacity = opts.concurrency - n;
        if (capacity <= 0) return [] as { id: string; attempts: number }[];
        breaker.get(`agent:${NOOP_AGENT_ID}`);
        const ids = (pick.all(NOOP_AGENT_ID, t, capacity) as { id: string }[]).map((r) => r.id);
        if (ids.length === 0) return [] as { id: string; attempts: number }[];
        const rows = claimBatch(ids.length).all(workerId, t + 30_000, t, t, ...ids) as { id: string; attempts: number }[];
        for (const r of rows) attemptInsert.run(r.id, r.attempts, workerId, t);
        return rows;
      });
      const complete = db.transaction((task: { id: string; attempts: number }, t: number) => {
        completeTask.get(t, t, task.id, workerId, task.attempts);
        finishAttempt.run(t, task.id, task.attempts);
        breaker.get(`agent:${NOOP_AGENT_ID}`);
      });
      let handled = 0;
      let stopped = false;
      return {
        async enqueueBulk(n) {
          const t = Date.now();
          db.transaction(() => {
            for (let i = 0; i < n; i++) insert.get(randomUUID(), NOOP_AGENT_ID, JSON.stringify({ i }), t, t, t);
          }).immediate();
        },
        async enqueueOne(seq) {
          const t = Date.now();
          insert.get(randomUUID(), NOOP_AGENT_ID, JSON.stringify({ seq }), t, t, t);
        },
        async startWorker() {
          // Runs to empty in slices so the event loop (the completion wait) still gets turns.
          const slice = () => {
            if (stopped) return;
            for (let k = 0; k < 50; k++) {
              const t = Date.now();
              if (candidates.all(t).length === 0) return;
              const rows = claim.immediate(t);
              for (const r of rows) {
                handled += 1;
                complete.immediate(r, Date.now());
              }
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
