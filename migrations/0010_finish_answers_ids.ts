// Postgres: catalynx_finish_and_claim answers the tasks it finished by id and status only.
//
// The function answered each finished task's whole row (every column: its input, its result, its
// timestamps), which the caller reads for nothing but the id: Postgres wrote every column out as
// text and the worker parsed them back, for half the rows of every completion batch. It also kept
// the finished rows whole in an array to count the slots they freed per agent. It now keeps the
// finished tasks' ids and agents only, and answers each as a `tasks` row with its id, its agent
// and status 'succeeded', every other column null; the leased rows come back whole, as before.
// The signature stays, so a process of the previous release (which reads only the id and the
// status of finished rows) calls it unchanged.

import { sql } from 'kysely';
import { FINISH_SUCCESSES, REFILL_FREED } from './0005_finish_from_returned_rows';
import finishAndNotify from './0009_finish_and_notify';
import type { AnyKysely, MigrationFactory } from './migration-context';

/** The batch's finish: its successes' rows and attempt rows written, the finished tasks' ids and agents kept. */
const FINISH_INTO_IDS = `${FINISH_SUCCESSES}
      returning t.id, t.agent_id, t.attempts
    ),
    attempts_done as (
      update task_attempts a set finished_at = p_now, outcome = 'succeeded', error = null
      from done
      where a.task_id = done.id and a.attempt = done.attempts
      returning a.task_id
    )
    select coalesce(array_agg(done.id), '{}'), coalesce(array_agg(done.agent_id), '{}') into v_done_ids, v_done_agents from done;`;

/** As migration 0009's, with the finished tasks kept by id and answered as id, agent and status. */
const FINISH_AND_CLAIM_ANSWERING_IDS = sql`
  create or replace function catalynx_finish_and_claim(p_ids text[], p_attempts integer[], p_results text[], p_worker text, p_slots integer,
    p_now bigint, p_lease_until bigint, p_default_limit integer, p_limits jsonb, p_notify_channel text, p_notify_origin text)
  returns setof tasks
  language plpgsql volatile
  as $$
  declare
    v_done_ids text[];
    v_done_agents text[];
    v_finished tasks;
    v_freed jsonb;
    v_agent text;
    v_left integer := p_slots;
    v_running integer;
    v_take integer;
    v_leased integer;
    v_message text;
  begin
    ${sql.raw(FINISH_INTO_IDS)}
    if p_notify_channel is not null and cardinality(v_done_ids) > 0 then
      v_message := json_build_object('origin', p_notify_origin, 'payload', array_to_string(v_done_ids, ' '))::text;
      if octet_length(v_message) < 8000 then
        perform pg_notify(p_notify_channel, v_message);
      end if;
    end if;
    v_finished.status := 'succeeded';
    for i in 1 .. cardinality(v_done_ids) loop
      v_finished.id := v_done_ids[i];
      v_finished.agent_id := v_done_agents[i];
      return next v_finished;
    end loop;
    if v_left <= 0 then
      return;
    end if;
    -- The slots this finish gave back, per agent.
    select coalesce(jsonb_object_agg(f.agent_id, f.n), '{}'::jsonb) into v_freed
    from (select a as agent_id, count(*) as n from unnest(v_done_agents) a group by a) f;
    ${sql.raw(REFILL_FREED)}
  end
  $$`;

const migration: MigrationFactory = (dialect) => ({
  async up(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await FINISH_AND_CLAIM_ANSWERING_IDS.execute(db);
  },
  async down(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    // Migration 0009's function again.
    await sql`drop function catalynx_finish_and_claim(text[], integer[], text[], text, integer, bigint, bigint, integer, jsonb, text, text)`.execute(db);
    await finishAndNotify(dialect).up(db);
  },
});

export default migration;
