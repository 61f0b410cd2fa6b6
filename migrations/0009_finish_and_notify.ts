// Postgres: catalynx_finish_and_claim sends the `task-finished` notification of what it finished,
// in its own transaction.
//
// Without Redis, notifications between processes travel through LISTEN/NOTIFY
// (src/platform/postgres-notify-transport.ts). Every completion batch was followed by a statement
// of its own on the notifier's connection to announce the tasks it finished: a round trip, its
// Node and server time on the worker's critical path (the worker and Postgres take turns on a
// drain), about a seventh of a drain's throughput (bench/findings.md item 78). This overload takes
// the notification's channel and the envelope's origin and calls pg_notify itself, after its
// update, so the notification is sent when the batch commits and never for one that does not
// (NOTIFY is transactional). A null channel sends nothing (Redis carries notifications then).
// The message is the notifier's envelope (src/platform/notifier.ts), `{"origin", "payload"}`
// with the finished ids space-separated; one of 8000 bytes or more is not sent, as the notifier's
// own transport does not send it: notifications are hints, and the receivers' poll finds the work.
//
// The nine-argument function stays for processes of the previous release during a rolling deploy.

import { sql } from 'kysely';
import { ANSWER_AND_REFILL, FINISH_INTO_DONE } from './0005_finish_from_returned_rows';
import type { AnyKysely, MigrationFactory } from './migration-context';

const FINISH_AND_CLAIM_AND_NOTIFY = sql`
  create function catalynx_finish_and_claim(p_ids text[], p_attempts integer[], p_results text[], p_worker text, p_slots integer,
    p_now bigint, p_lease_until bigint, p_default_limit integer, p_limits jsonb, p_notify_channel text, p_notify_origin text)
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
    v_message text;
  begin
    ${sql.raw(FINISH_INTO_DONE)}
    if p_notify_channel is not null and cardinality(v_done) > 0 then
      select json_build_object('origin', p_notify_origin, 'payload', string_agg(d.id, ' '))::text into v_message from unnest(v_done) d;
      if octet_length(v_message) < 8000 then
        perform pg_notify(p_notify_channel, v_message);
      end if;
    end if;
    ${sql.raw(ANSWER_AND_REFILL)}
  end
  $$`;

const migration: MigrationFactory = (dialect) => ({
  async up(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await FINISH_AND_CLAIM_AND_NOTIFY.execute(db);
  },
  async down(db: AnyKysely) {
    if (!dialect.supportsFunctions) return;
    await sql`drop function catalynx_finish_and_claim(text[], integer[], text[], text, integer, bigint, bigint, integer, jsonb, text, text)`.execute(db);
  },
});

export default migration;
