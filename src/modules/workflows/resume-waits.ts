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
import { finishLeaf, lockRun, type SagaContext, type Turn } from './run-transitions';
import { FINAL_RUN_STATUSES } from './workflow-run';

const WAITS_PER_PASS = 500;
const EVENTS_PER_TYPE = 1000;
const EVENT_FIELDS = new Set(['id', 'type', 'aggregate_type', 'aggregate_id', 'version', 'data', 'metadata', 'position', 'timestamp']);

export interface ResumeWaitsDeps {
  ctx: SagaContext;
  transact<T>(program: (trx: Tx, turn: Turn) => Program<T>): Promise<T>;
  types?: readonly string[];
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
    const after = Math.min(...list.map((w) => w.after));
    const events = await ctx.events.readAll({ after, types: [type], limit: EVENTS_PER_TYPE });
    for (const wait of list) {
      const event = events.find((e) => e.position > wait.after && eventMatches(e, wait.match));
      if (!event) continue;
      const done = await deps.transact(function* (trx, turn) {
        const run = yield* lockRun(ctx, wait.run_id);
        if (!run || FINAL_RUN_STATUSES.includes(run.status)) return false;
        return yield* finishLeaf(ctx, trx, run, wait.step_id, { status: 'succeeded', output: event, guard: { parked: true } }, turn);
      });
      if (done) resumed += 1;
    }
  }
  return resumed;
}
