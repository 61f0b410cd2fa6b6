// Claiming: leasing a worker its next due tasks across agents, best first, each agent within its
// concurrency limit; agents whose breaker is not closed are decided on one by one, under their
// claim lock (a single trial once the recovery time has passed).

import { sql } from 'kysely';
import type { AgentSettingsSource } from '../../config';
import type { Tx } from '../../platform/db';
import type { TasksTable } from '../../platform/db/schema';
import { queryTemplate } from '../../platform/db/query-template';
import { decide } from '../../resilience/circuit-breaker-policy';
import { agentBreakerName, agentBreakers } from '../agents/breaker-store';
import { claimLockName } from './claim-lock';
import { toClaimedTask, type ClaimedTask } from './task';
import type { TaskQueueContext } from './task-queue-context';

/**
 * What catalynx_claim and catalynx_finish_and_claim take to lease for a worker: its slots, the
 * lease's end, and the concurrency limits (the default, and as JSON those that differ from it).
 */
export function claimParameters(opts: { agents: AgentSettingsSource; leaseMs: number }, workerId: string, slots: number, t: number) {
  const limits: Record<string, number> = {};
  for (const [agentId, overrides] of Object.entries(opts.agents.agentOverrides)) {
    if (overrides.maxConcurrentTasks !== undefined) limits[agentId.toLowerCase()] = overrides.maxConcurrentTasks;
  }
  return { worker: workerId, slots, t, until: t + opts.leaseMs, defaultLimit: opts.agents.agentDefaults.maxConcurrentTasks, limits: JSON.stringify(limits) };
}

/**
 * Postgres: the claim a transaction makes for a worker's slots in its own commit
 * (catalynx_claim_nowait, migration 0007): as catalynx_claim, but it never waits for an agent's
 * claim lock (an agent whose lock is taken is passed over, and the worker's own claim takes it).
 * A completion leases the slots it frees with it, an enqueue an idle worker's (idle-slots.ts).
 */
export function createClaimNowaitQuery(db: Tx) {
  return queryTemplate<'worker' | 'slots' | 't' | 'until' | 'defaultLimit' | 'limits', TasksTable>((p) =>
    sql<TasksTable>`select * from catalynx_claim_nowait(${p.worker}::text, ${p.slots}::integer, ${p.t}::bigint, ${p.until}::bigint,
      ${p.defaultLimit}::integer, ${p.limits}::jsonb)`.compile(db),
  );
}

/** A row of the Postgres claim: a leased task (or nulls, when none was), and the agents held by their breakers. */
type ClaimRow = (TasksTable | { [K in keyof TasksTable]: null }) & { held_agents: string[] };

/** The claim, with its statements built once. */
export function createClaim(ctx: TaskQueueContext): (workerId: string, slots: number) => Promise<ClaimedTask[]> {
  const { db, strategy, options: opts, now, settingsFor, breakerOptions, sqliteHotPath } = ctx;

  /**
   * Postgres: the whole claim in one statement, catalynx_claim (migration 0004): due agents best
   * first, each leased within its limit under its claim lock, attempt rows written. Agents whose
   * breaker is not closed are passed over there and decided on below; the same statement names
   * those with due work (`held_agents`, read before the claim runs), so a claim that leaves slots
   * free needs no second round trip to learn there is nothing more to decide. Every answer has at
   * least one row: with nothing leased, one whose task columns are null.
   */
  const claimQuery = queryTemplate<'worker' | 'slots' | 't' | 'until' | 'defaultLimit' | 'limits', ClaimRow>((p) => {
    const name = sql.ref('b.name');
    return sql<ClaimRow>`select c.*, h.held_agents
      from (select array(
        select ${agentBreakers.agentIdOf(name)} from circuit_breakers b
        where ${agentBreakers.isAgentBreaker(name)} and b.state <> 'closed'
          and exists (select 1 from tasks q where q.status = 'queued' and q.run_at <= ${p.t}::bigint and q.agent_id = ${agentBreakers.agentIdOf(name)})
      ) as held_agents) h
      left join lateral catalynx_claim(${p.worker}::text, ${p.slots}::integer, ${p.t}::bigint, ${p.until}::bigint, ${p.defaultLimit}::integer, ${p.limits}::jsonb) c on true`.compile(db);
  });

  /** The lease itself: running, held by the worker, one more attempt. */
  const leaseValues = (workerId: string, t: number) => ({
    status: 'running' as const,
    locked_by: workerId,
    locked_until: t + opts.leaseMs,
    attempts: sql<number>`attempts + 1`,
    started_at: sql<number>`coalesce(started_at, ${t})`,
    updated_at: t,
  });

  /**
   * Leases up to `left` of one agent's due tasks whose breaker is not closed: decides on the
   * breaker (a single trial once the recovery time has passed) in the same transaction.
   */
  async function claimForAgent(agentId: string, workerId: string, left: number, t: number): Promise<ClaimedTask[]> {
    const breakerName = agentBreakerName(agentId);
    // One claimer per agent at a time (Postgres advisory lock; SQLite's write lock), so the
    // per-agent concurrency limit and the breaker's single trial hold across all workers.
    return strategy.lockedWriteTransaction(db, claimLockName(agentId), async (trx) => {
      const settings = settingsFor(agentId);
      const runningRow = await trx
        .selectFrom('tasks')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('status', '=', 'running')
        .where('agent_id', '=', agentId)
        .executeTakeFirst();
      let capacity = Math.min(settings.maxConcurrentTasks - Number(runningRow?.n ?? 0), left);
      if (capacity <= 0) return [];

      const before = await opts.breakers.read(trx, breakerName);
      const decision = decide(before, t, breakerOptions(agentId));
      // While the breaker is open the agent's tasks wait in the queue; they burn no attempts.
      if (!decision.allowed) return [];
      if (decision.trial) capacity = 1;

      // The pick is a materialized CTE so it runs exactly once. As a plain `id in (subquery)`
      // Postgres may plan a nested loop that re-runs the LIMIT subquery per outer row, each run
      // skipping the rows it has just locked, and lease more rows than asked.
      const rows = await trx
        .with(
          (cte) => cte('picked').materialized(),
          (q) => {
            const pick = q
              .selectFrom('tasks')
              .select('id')
              .where('status', '=', 'queued')
              .where('agent_id', '=', agentId)
              .where('run_at', '<=', t)
              .orderBy('priority', 'desc')
              .orderBy('run_at')
              .orderBy('created_at')
              .limit(capacity);
            return strategy.supportsSkipLocked ? pick.forUpdate().skipLocked() : pick;
          },
        )
        // Pick and lease in one statement. The picked rows are still queued: Postgres re-checks a
        // row it locks FOR UPDATE, and SQLite's writer lock is held. (A status guard here would
        // also steer SQLite's planner to scan every queued row.)
        .updateTable('tasks')
        .set(leaseValues(workerId, t))
        .where('id', 'in', (eb) => eb.selectFrom('picked').select('id'))
        .returningAll()
        .execute();
      if (rows.length === 0) return [];
      if (decision.next !== before) await opts.breakers.save(trx, breakerName, decision.next, t);
      await trx
        .insertInto('task_attempts')
        .values(rows.map((r) => ({ task_id: r.id, attempt: Number(r.attempts), worker_id: workerId, started_at: t, finished_at: null, outcome: null, error: null })))
        .execute();
      return rows.map((r) => toClaimedTask(r, t));
    });
  }

  return async function claim(workerId, slots) {
    if (slots <= 0) return [];
    const t = now();
    const claimed: ClaimedTask[] = [];
    let firstError: unknown;
    let agents: string[];
    if (sqliteHotPath) {
      // Every agent on a closed breaker in one synchronous transaction; the others (a breaker
      // to decide on) below.
      const hot = await sqliteHotPath.claim(workerId, slots, t);
      claimed.push(...hot.rows.map((r) => toClaimedTask(r, t)));
      agents = hot.breakerHeld;
    } else {
      // Postgres: every agent on a closed breaker in one statement, which also names the
      // others; they are decided on below, only when slots are left.
      const { rows } = await claimQuery(db, claimParameters(opts, workerId, slots, t));
      for (const r of rows) if (r.id !== null) claimed.push(toClaimedTask(r, t));
      agents = claimed.length < slots ? (rows[0]?.held_agents ?? []) : [];
    }
    // Agents passed over for their breaker, one by one; one that yields less than asked leaves
    // the slots to the next.
    for (const agentId of agents) {
      const left = slots - claimed.length;
      if (left <= 0) break;
      // One agent's trouble (a lock timeout, a bad row) must not stop claiming for the others.
      try {
        claimed.push(...(await claimForAgent(agentId, workerId, left, t)));
      } catch (err) {
        firstError ??= err;
      }
    }
    if (claimed.length === 0 && firstError !== undefined) throw firstError;
    return claimed;
  };
}
