// Postgres: claims and completions in one round trip each, as functions the queue calls.
//
// catalynx_claim(worker, slots, …) walks the agents with due work (best task first:
// catalynx_due_agents, a skip scan of the claim index) and leases, agent by agent, up to the slots
// the worker has free, each within the agent's concurrency limit, writing the attempt rows; all in
// the one statement that calls it, which commits on its own.
//
// Serialising claimers of an agent (so its limit holds across workers) works as in
// catalynx_claim_capacity (migration 0003, which this one replaces and drops): the agent's
// advisory lock, then a fresh snapshot for the running count, since a VOLATILE function takes one
// per query. The locks are held until the statement commits, so one call can hold several
// agents' locks. To never wait while holding one (two workers meeting in opposite orders would
// deadlock), a call waits only for the first agent's lock and tries the others, passing over an
// agent whose lock is taken: its claimer, or a completion updating its breaker, is at work on it,
// and the worker's next claim looks again. An agent whose breaker is not closed is passed over
// too: deciding on a breaker (a trial after the recovery time) happens in the caller's
// transactional path. The limits come from the caller: a default and a JSON object of per-agent
// limits keyed by lower-case agent id (the configuration's AGENT_<ID>_MAX_CONCURRENT_TASKS).
//
// catalynx_finish_and_claim(ids, attempts, results, worker, slots, …) finishes a batch of
// successful attempts (only the lease holder on that attempt, outside a workflow run, on a closed
// and clean breaker) and leases the worker its next tasks for the slots they free, in one
// statement. It answers the rows it changed: the finished tasks ('succeeded') and the leased ones
// ('running'). The freed slots go first to the same agents' next tasks without their claim lock:
// finishing k of an agent's tasks and leasing k more in one transaction leaves its running count
// where it was, in every interleaving with other claimers (they count it before or after this
// commit, never half of it), so its limit cannot be crossed. That transfer walks the due agents
// best first and stops at the first agent that got no slot back (it needs the locked claim, and
// no agent behind it may jump ahead of it), at a breaker that is not closed, at the limit it can
// see, or when the agent runs out of due tasks; catalynx_claim, a statement of its own inside the
// function (so the finished tasks no longer count as running), takes the slots left.
//
// catalynx_lock_key is the advisory lock key the application computes for a lock name (the first
// eight bytes of its SHA-256, big-endian, signed), so the functions and the application's own
// transactions take the same lock for the same name.

import { sql } from 'kysely';
import claimCapacityFunction from './0003_claim_capacity_function';
import type { AnyKysely, MigrationFactory } from './migration-context';

const LOCK_KEY = sql`
  create function catalynx_lock_key(lock_name text)
  returns bigint
  language sql immutable parallel safe
  as $$ select ('x' || substr(encode(sha256(convert_to(lock_name, 'UTF8')), 'hex'), 1, 16))::bit(64)::bigint $$`;

const DUE_AGENTS = sql`
  create function catalynx_due_agents(p_now bigint)
  returns setof text
  language sql stable
  as $$
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
  $$`;

/** The lease of up to v_take due tasks of v_agent, with their attempt rows (plpgsql, inside a function). */
export const LEASE = `
  with picked as materialized (
    select p.id from tasks p
    where p.status = 'queued' and p.agent_id = v_agent and p.run_at <= p_now
    order by p.priority desc, p.run_at, p.created_at
    limit v_take
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
  select * from claimed`;

const CLAIM = sql`
  create function catalynx_claim(p_worker text, p_slots integer, p_now bigint, p_lease_until bigint, p_default_limit integer, p_limits jsonb)
  returns setof tasks
  language plpgsql volatile
  as $$
  declare
    v_agent text;
    v_first boolean := true;
    v_running integer;
    v_take integer;
    v_taken integer := 0;
    v_leased integer;
  begin
    for v_agent in select * from catalynx_due_agents(p_now) loop
      exit when v_taken >= p_slots;
      if v_first then
        perform pg_advisory_xact_lock(catalynx_lock_key('claim:' || v_agent));
        v_first := false;
      elsif not pg_try_advisory_xact_lock(catalynx_lock_key('claim:' || v_agent)) then
        continue;
      end if;
      continue when exists (select 1 from circuit_breakers cb where cb.name = 'agent:' || v_agent and cb.state <> 'closed');
      select count(*) into v_running from tasks r where r.status = 'running' and r.agent_id = v_agent;
      v_take := least(p_slots - v_taken, coalesce((p_limits ->> lower(v_agent))::integer, p_default_limit) - v_running);
      continue when v_take <= 0;
      return query ${sql.raw(LEASE)};
      get diagnostics v_leased = row_count;
      v_taken := v_taken + v_leased;
    end loop;
  end
  $$`;

export const FINISH_AND_CLAIM = sql`
  create function catalynx_finish_and_claim(p_ids text[], p_attempts integer[], p_results text[], p_worker text, p_slots integer,
    p_now bigint, p_lease_until bigint, p_default_limit integer, p_limits jsonb)
  returns setof tasks
  language plpgsql volatile
  as $$
  declare
    v_freed jsonb;
    v_agent text;
    v_left integer := p_slots;
    v_running integer;
    v_take integer;
    v_leased integer;
  begin
    return query
      with batch as (
        select * from unnest(p_ids, p_attempts, p_results) as b(id, attempts, result)
      ),
      done as (
        update tasks t set status = 'succeeded', result = batch.result, last_error = null, locked_by = null, locked_until = null,
          finished_at = p_now, updated_at = p_now
        from batch
        where t.id = batch.id and t.attempts = batch.attempts
          and t.status = 'running' and t.locked_by = p_worker and t.workflow_run_id is null
          and not exists (
            select 1 from circuit_breakers cb
            where cb.name = 'agent:' || t.agent_id and (cb.state <> 'closed' or cb.failure_count <> 0))
        returning t.*
      ),
      attempts_done as (
        update task_attempts a set finished_at = p_now, outcome = 'succeeded', error = null
        from done
        where a.task_id = done.id and a.attempt = done.attempts
        returning a.task_id
      )
      select * from done;
    if v_left <= 0 then
      return;
    end if;
    -- The slots this finish gave back, per agent (its own rows, as this transaction sees them).
    select coalesce(jsonb_object_agg(f.agent_id, f.n), '{}'::jsonb) into v_freed
    from (select t.agent_id, count(*) as n from tasks t
          where t.id = any(p_ids) and t.status = 'succeeded' and t.finished_at = p_now and t.updated_at = p_now
          group by t.agent_id) f;
    for v_agent in select * from catalynx_due_agents(p_now) loop
      exit when v_left <= 0;
      v_take := least(v_left, coalesce((v_freed ->> v_agent)::integer, 0));
      exit when v_take <= 0;
      exit when exists (select 1 from circuit_breakers cb where cb.name = 'agent:' || v_agent and cb.state <> 'closed');
      select count(*) into v_running from tasks r where r.status = 'running' and r.agent_id = v_agent;
      v_take := least(v_take, coalesce((p_limits ->> lower(v_agent))::integer, p_default_limit) - v_running);
      exit when v_take <= 0;
      return query ${sql.raw(LEASE)};
      get diagnostics v_leased = row_count;
      v_left := v_left - v_leased;
      exit when v_leased < v_take;
    end loop;
    if v_left > 0 then
      return query select * from catalynx_claim(p_worker, v_left, p_now, p_lease_until, p_default_limit, p_limits);
    end if;
  end
  $$`;

const migration: MigrationFactory = (dialect) => ({
  async up(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    for (const statement of [LOCK_KEY, DUE_AGENTS, CLAIM, FINISH_AND_CLAIM]) await statement.execute(db);
    await sql`drop function catalynx_claim_capacity(bigint, text, text, integer, integer)`.execute(db);
  },
  async down(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await sql`drop function catalynx_finish_and_claim(text[], integer[], text[], text, integer, bigint, bigint, integer, jsonb)`.execute(db);
    await sql`drop function catalynx_claim(text, integer, bigint, bigint, integer, jsonb)`.execute(db);
    await sql`drop function catalynx_due_agents(bigint)`.execute(db);
    await sql`drop function catalynx_lock_key(text)`.execute(db);
    await claimCapacityFunction(dialect).up(db);
  },
});

export default migration;
