// Resumes `wait_for_event` steps: for the waits parked on a type, reads the events of that type
// appended after each wait began (the stream position it recorded) and completes the wait with
// the first event whose fields equal its `match` (keys are dotted paths into the event:
// `data.order_id`, `aggregate_id`; a key that names no event field reads `data.<key>`). The web
// process calls it right after POST /api/events commits, and the scheduler's timer calls it on
// every tick for events appended any other way, so a crash between the two loses nothing. Each
// resume is its own transaction under the run's lock, guarded by the step still waiting.

import { parseJson, type Program, type Tx } from '../../platform/db';
import type { StoredEvent } from '../events/event';
import { lookup } from './render-template';
import { finishLeaf } from './finish-leaf';
import { lockRun, type SagaContext, type Turn } from './saga-context';
import { FINAL_RUN_STATUSES } from './workflow-run';

const WAITS_PER_PASS = 500;
const EVENTS_PER_PAGE = 1000;
/** Pages read per type and pass; waits further behind move their position on and read on next pass. */
const PAGES_PER_TYPE = 20;
/** An event older than this is taken as committed in position order with those around it. */
const SETTLED_MS = 60_000;
const EVENT_FIELDS = new Set(['id', 'type', 'aggregate_type', 'aggregate_id', 'version', 'data', 'metadata', 'position', 'timestamp']);

export interface ResumeWaitsDeps {
  ctx: SagaContext;
  transact<T>(program: (trx: Tx, turn: Turn) => Program<T>): Promise<T>;
  types?: readonly string[];
  /** Page sizes and the settling time (defaults below; tests make them small). */
  limits?: { eventsPerPage?: number; pagesPerType?: number; settledMs?: number };
}

/** Whether the event has every value the wait's match asks for. */
export function eventMatches(event: StoredEvent, match: Record<string, unknown>): boolean {
  for (const [key, expected] of Object.entries(match)) {
    const path = EVENT_FIELDS.has(key.split('.')[0]!) ? key : `data.${key}`;
    const actual = lookup(event, path) ?? null;
    if (JSON.stringify(actual) !== JSON.stringify(expected ?? null)) return false;
  }
  return true;
}

export async function resumeWaits(deps: ResumeWaitsDeps): Promise<number> {
  const { ctx } = deps;
  const eventsPerPage = deps.limits?.eventsPerPage ?? EVENTS_PER_PAGE;
  const pagesPerType = deps.limits?.pagesPerType ?? PAGES_PER_TYPE;
  const settledMs = deps.limits?.settledMs ?? SETTLED_MS;
  let q = ctx.database.db
    .selectFrom('workflow_run_steps')
    .select(['run_id', 'step_id', 'wait_type', 'wait_spec'])
    .where('status', '=', 'waiting')
    .where('wait_type', 'is not', null);
  if (deps.types) {
    if (deps.types.length === 0) return 0;
    q = q.where('wait_type', 'in', [...deps.types]);
  }
  const waits = await q.limit(WAITS_PER_PASS).execute();
  if (waits.length === 0) return 0;

  const byType = new Map<string, { run_id: string; step_id: string; match: Record<string, unknown>; after: number }[]>();
  for (const w of waits) {
    const spec = parseJson<{ match?: Record<string, unknown>; after?: number }>(w.wait_spec ?? '{}', {});
    const list = byType.get(w.wait_type!) ?? [];
    list.push({ run_id: w.run_id, step_id: w.step_id, match: spec.match ?? {}, after: Number(spec.after ?? 0) });
    byType.set(w.wait_type!, list);
  }
  let resumed = 0;
  for (const [type, list] of byType) {
    // Pages of the type's events from the oldest wait's position on: each wait takes the first
    // matching event after its own position, on whichever page it comes.
    const pending = new Set(list);
    let cursor = Math.min(...list.map((w) => w.after));
    const settledBefore = ctx.now() - settledMs;
    let lastSettled = 0;
    let exhausted = false;
    for (let page = 0; page < pagesPerType && pending.size > 0; page++) {
      const events = await ctx.events.readAll({ after: cursor, types: [type], limit: eventsPerPage });
      for (const e of events) if (Date.parse(e.timestamp) <= settledBefore) lastSettled = e.position;
      for (const wait of [...pending]) {
        const event = events.find((e) => e.position > wait.after && eventMatches(e, wait.match));
        if (!event) continue;
        pending.delete(wait);
        const done = await deps.transact(function* (trx, turn) {
          const run = yield* lockRun(ctx, wait.run_id);
          if (!run || FINAL_RUN_STATUSES.includes(run.status)) return false;
          return yield* finishLeaf(ctx, trx, run, wait.step_id, { status: 'succeeded', output: event, guard: { parked: true } }, turn);
        });
        if (done) resumed += 1;
      }
      if (events.length < eventsPerPage) {
        exhausted = true;
        break;
      }
      cursor = events[events.length - 1]!.position;
    }
    if (exhausted) continue;
    // The pages ran out before these waits found their event: each moves its position past the
    // events read that are old enough that no transaction still commits one before them (Postgres
    // hands out positions before commit), so the next pass reads on from there.
    if (pending.size > 0 && lastSettled > 0) {
      for (const wait of pending) {
        if (wait.after >= lastSettled) continue;
        await ctx.database.db
          .updateTable('workflow_run_steps')
          .set({ wait_spec: JSON.stringify({ match: wait.match, after: lastSettled }) })
          .where('run_id', '=', wait.run_id)
          .where('step_id', '=', wait.step_id)
          .where('status', '=', 'waiting')
          .execute();
      }
    }
  }
  return resumed;
}
