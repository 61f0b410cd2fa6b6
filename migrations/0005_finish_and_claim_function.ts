// Postgres: finish a batch of successful attempts and lease the worker its next tasks in one
// round trip.
//
// A worker whose attempts succeed has, at that moment, the same number of free slots. Finishing
// them and then claiming was two statements and two round trips per batch; this function runs
// the finish (the plain-success update of the queue's completion path: only the lease holder on
// that attempt, outside a workflow run, on a closed and clean breaker) and then catalynx_claim
// (migration 0004) for `p_slots`. The claim is a statement of its own inside the function, so it
// sees the finished tasks as no longer running, and the agents' limits count right.
//
// It returns the rows it changed: the finished tasks (status 'succeeded') and the newly leased
// ones (status 'running'). The finish commits even when the claim finds nothing.

import { sql } from 'kysely';
import type { AnyKysely, MigrationFactory } from './migration-context';

/** The function as this migration creates it (migration 0006's down restores it). */
export const FINISH_AND_CLAIM_FUNCTION = sql`
      create function catalynx_finish_and_claim(p_ids text[], p_attempts integer[], p_results text[], p_worker text, p_slots integer,
        p_now bigint, p_lease_until bigint, p_default_limit integer, p_limits jsonb)
      returns setof tasks
      language plpgsql volatile
      as $$
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
        if p_slots > 0 then
          return query select * from catalynx_claim(p_worker, p_slots, p_now, p_lease_until, p_default_limit, p_limits);
        end if;
      end
      $$`;

const migration: MigrationFactory = (dialect) => ({
  async up(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await FINISH_AND_CLAIM_FUNCTION.execute(db);
  },
  async down(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await sql`drop function catalynx_finish_and_claim(text[], integer[], text[], text, integer, bigint, bigint, integer, jsonb)`.execute(db);
  },
});

export default migration;
