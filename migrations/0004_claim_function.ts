// Postgres: a whole claim in one round trip.
//
// catalynx_claim walks the agents with due work (best task first, the skip scan of the queue's
// due-agents query) and leases, agent by agent, up to the slots the worker has free, each within
// the agent's concurrency limit, writing the attempt rows; all in the one statement that calls it,
// which commits on its own. Before this a claim was two round trips: the due agents, then a lease
// statement per agent.
//
// Serialising claimers of an agent (so its limit holds across workers) works as in
// catalynx_claim_capacity (migration 0003): the agent's advisory lock, then a fresh snapshot for
// the running count, since a VOLATILE function takes one per query. The locks are held until the
// statement commits, so one call can hold several agents' locks. To never wait while holding one
// (two workers meeting in opposite orders would deadlock), the call waits only for the first
// agent's lock and tries the others, passing over an agent whose lock is taken: its claimer, or a
// completion updating its breaker, is at work on it, and the worker's next claim looks again.
//
// An agent whose breaker is not closed is passed over too: deciding on a breaker (a trial after
// the recovery time) happens in the caller's transactional path. The limits come from the
// caller: `default_limit` and `limits`, a JSON object of per-agent limits keyed by lower-case
// agent id (the configuration's AGENT_<ID>_MAX_CONCURRENT_TASKS).
//
// It replaces catalynx_claim_capacity (migration 0003), which this migration drops.
//
// catalynx_lock_key is the advisory lock key the application computes for a lock name (the first
// eight bytes of its SHA-256, big-endian, signed), so the function and the application's own
// transactions take the same lock for the same name.

import { sql } from 'kysely';
import claimCapacityFunction from './0003_claim_capacity_function';
import type { AnyKysely, MigrationFactory } from './migration-context';

/** The claim function as this migration creates it (migration 0006's down restores it). */
export const CLAIM_FUNCTION = sql`
      create function catalynx_claim(p_worker text, p_slots integer, p_now bigint, p_lease_until bigint, p_default_limit integer, p_limits jsonb)
      returns setof tasks
      language plpgsql volatile
      as $$
      declare
        v_agent text;
        v_first boolean := true;
        v_running integer;
        v_capacity integer;
        v_taken integer := 0;
        v_leased integer;
      begin
        for v_agent in
          with recursive agents(agent_id) as (
            (select q.agent_id from tasks q where q.status = 'queued' order by q.agent_id limit 1)
            union all
            select (select n.agent_id from tasks n where n.status = 'queued' and n.agent_id > a.agent_id order by n.agent_id limit 1)
            from agents a where a.agent_id is not null
          )
          select due.agent_id from (
            select a.agent_id,
              (select b.priority from tasks b where b.status = 'queued' and b.agent_id = a.agent_id and b.run_at <= p_now
                order by b.priority desc, b.run_at, b.created_at limit 1) as priority,
              (select b.run_at from tasks b where b.status = 'queued' and b.agent_id = a.agent_id and b.run_at <= p_now
                order by b.priority desc, b.run_at, b.created_at limit 1) as run_at
            from agents a where a.agent_id is not null
          ) as due
          where due.priority is not null
          order by due.priority desc, due.run_at
        loop
          exit when v_taken >= p_slots;
          if v_first then
            perform pg_advisory_xact_lock(catalynx_lock_key('claim:' || v_agent));
            v_first := false;
          elsif not pg_try_advisory_xact_lock(catalynx_lock_key('claim:' || v_agent)) then
            continue;
          end if;
          continue when exists (select 1 from circuit_breakers cb where cb.name = 'agent:' || v_agent and cb.state <> 'closed');
          select count(*) into v_running from tasks r where r.status = 'running' and r.agent_id = v_agent;
          v_capacity := least(p_slots - v_taken, coalesce((p_limits ->> lower(v_agent))::integer, p_default_limit) - v_running);
          continue when v_capacity <= 0;
          return query
            with picked as materialized (
              select p.id from tasks p
              where p.status = 'queued' and p.agent_id = v_agent and p.run_at <= p_now
              order by p.priority desc, p.run_at, p.created_at
              limit v_capacity
              for update skip locked
            ),
            claimed as (
              update tasks t set status = 'running', locked_by = p_worker, locked_until = p_lease_until,
                attempts = t.attempts + 1, started_at = coalesce(t.started_at, p_now), updated_at = p_now
              where t.id = any(array(select picked.id from picked))
              returning t.*
            ),
            attempt_rows as (
              insert into task_attempts (task_id, attempt, worker_id, started_at)
              select c.id, c.attempts, p_worker, p_now from claimed c
              returning task_id
            )
            select * from claimed;
          get diagnostics v_leased = row_count;
          v_taken := v_taken + v_leased;
        end loop;
      end
      $$`;

const migration: MigrationFactory = (dialect) => ({
  async up(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await sql`
      create function catalynx_lock_key(lock_name text)
      returns bigint
      language sql immutable parallel safe
      as $$ select ('x' || substr(encode(sha256(convert_to(lock_name, 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint $$`.execute(db);
    await CLAIM_FUNCTION.execute(db);
    await sql`drop function catalynx_claim_capacity(bigint, text, text, integer, integer)`.execute(db);
  },
  async down(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await sql`drop function catalynx_claim(text, integer, bigint, bigint, integer, jsonb)`.execute(db);
    await sql`drop function catalynx_lock_key(text)`.execute(db);
    await claimCapacityFunction(dialect).up(db);
  },
});

export default migration;
