// Postgres: catalynx_finish_and_claim counts the slots it gave back from the rows it finished.
//
// The version of migration 0004 read them again from the table (`id = any(p_ids) and status =
// 'succeeded' …`) to count the freed slots per agent. Planned inside the function, that query ran
// as a scan of every succeeded task through the claim index (status leads it) with the ids as a
// filter, so each completion cost more as the finished tasks piled up: 0.8 ms a call after 5,000
// tasks, 40 % of the function's time, growing without bound in a long-lived database. The
// function now keeps the finished rows it updated in an array, answers them from there, and
// counts the freed slots per agent from the same array; nothing else changes.

import { sql } from 'kysely';
import { FINISH_AND_CLAIM, LEASE } from './0004_claim_functions';
import type { AnyKysely, MigrationFactory } from './migration-context';

/**
 * The update that finishes a batch's successes (the `batch` and `done` steps, up to what `done`
 * returns), fenced on lease, attempt and a clean breaker (also migration 0010).
 */
export const FINISH_SUCCESSES = `
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
          where cb.name = 'agent:' || t.agent_id and (cb.state <> 'closed' or cb.failure_count <> 0))`;

/** The batch's finish: its successes' rows and attempt rows written, the finished rows kept in v_done (also migration 0009). */
export const FINISH_INTO_DONE = `${FINISH_SUCCESSES}
      returning t
    ),
    attempts_done as (
      update task_attempts a set finished_at = p_now, outcome = 'succeeded', error = null
      from done
      where a.task_id = (done.t).id and a.attempt = (done.t).attempts
      returning a.task_id
    )
    select coalesce(array_agg(done.t), '{}') into v_done from done;`;

/**
 * Leases the worker tasks for the slots a finish gave back (v_freed, per agent), then any others
 * (also migrations 0009 and 0010).
 */
export const REFILL_FREED = `
    for v_agent in select * from catalynx_due_agents(p_now) loop
      exit when v_left <= 0;
      v_take := least(v_left, coalesce((v_freed ->> v_agent)::integer, 0));
      exit when v_take <= 0;
      exit when exists (select 1 from circuit_breakers cb where cb.name = 'agent:' || v_agent and cb.state <> 'closed');
      select count(*) into v_running from tasks r where r.status = 'running' and r.agent_id = v_agent;
      v_take := least(v_take, coalesce((p_limits ->> lower(v_agent))::integer, p_default_limit) - v_running);
      exit when v_take <= 0;
      return query ${LEASE};
      get diagnostics v_leased = row_count;
      v_left := v_left - v_leased;
      exit when v_leased < v_take;
    end loop;
    if v_left > 0 then
      return query select * from catalynx_claim(p_worker, v_left, p_now, p_lease_until, p_default_limit, p_limits);
    end if;`;

/** Answers the finished rows, then leases the worker tasks for the slots they gave back, then any others (also migration 0009). */
export const ANSWER_AND_REFILL = `
    return query select * from unnest(v_done);
    if v_left <= 0 then
      return;
    end if;
    -- The slots this finish gave back, per agent.
    select coalesce(jsonb_object_agg(f.agent_id, f.n), '{}'::jsonb) into v_freed
    from (select d.agent_id, count(*) as n from unnest(v_done) d group by d.agent_id) f;${REFILL_FREED}`;

const FINISH_AND_CLAIM_FROM_RETURNED_ROWS = sql`
  create or replace function catalynx_finish_and_claim(p_ids text[], p_attempts integer[], p_results text[], p_worker text, p_slots integer,
    p_now bigint, p_lease_until bigint, p_default_limit integer, p_limits jsonb)
  returns setof tasks
  language plpgsql volatile
  as $$
  declare
    v_done tasks[];
    v_freed jsonb;
    v_agent text;
    v_left integer := p_slots;
    v_running integer;
    v_take integer;
    v_leased integer;
  begin
    ${sql.raw(FINISH_INTO_DONE)}
    ${sql.raw(ANSWER_AND_REFILL)}
  end
  $$`;

const migration: MigrationFactory = (dialect) => ({
  async up(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await FINISH_AND_CLAIM_FROM_RETURNED_ROWS.execute(db);
  },
  async down(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await sql`drop function catalynx_finish_and_claim(text[], integer[], text[], text, integer, bigint, bigint, integer, jsonb)`.execute(db);
    await FINISH_AND_CLAIM.execute(db);
  },
});

export default migration;
