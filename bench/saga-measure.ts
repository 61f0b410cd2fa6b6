// The sides of the saga benchmark, each in its own process: units of work per second as 3-step
// sagas of no-op steps (services.workflows.startRun), as runs of one parallel group of 3 no-op
// branches, and as 3 independent no-op tasks.

import { performance } from 'node:perf_hooks';
import { saveWorkflow } from '../src/modules/workflows/save-workflow';
import type { BenchEnv } from './bench-env';
import { freshDatabase, type BenchDatabaseKind } from './bench-database';
import { createCatalynxStack } from './catalynx-stack';
import { waitFor } from './measure';
import { NOOP_AGENT_ID } from './noop-agent';

export const SAGA_CONCURRENCY = 10;
/** Clients starting units at once in the many-clients rows. */
export const SAGA_CLIENTS = 20;
/** Units run and finished in the measuring process before the clock starts (see queue-subject.ts). */
export const WARM_UP_UNITS = 20;
const WORKFLOW_ID = 'bench-three-noops';

export type UnitMode = 'saga' | 'parallel' | 'tasks';

/**
 * Units per second of `mode`. `inFlight` units are started at a time (1: one after another, as a
 * single client submits; more: as many clients do, which lets the worker batch transitions).
 */
export async function measureUnits(mode: UnitMode, kind: BenchDatabaseKind, units: number, env: BenchEnv, inFlight = 1): Promise<Record<string, number>> {
  const database = await freshDatabase(kind, env, mode === 'tasks' ? 'tri' : mode);
  const stack = await createCatalynxStack({ databaseUrl: database.url, concurrency: SAGA_CONCURRENCY, withWorkflows: true });
  try {
    let finished = 0;
    const workflows = stack.workflows!;
    if (mode !== 'tasks') {
      const step = (id: string) => ({ id, agent_id: NOOP_AGENT_ID, action: 'run', input: { step: id }, timeout_seconds: 60 });
      const steps = mode === 'saga' ? [step('one'), step('two'), step('three')] : [{ id: 'group', parallel: [step('one'), step('two'), step('three')] }];
      await saveWorkflow({ store: workflows.store, registry: stack.tasks.registry }, { id: WORKFLOW_ID, name: 'Three no-op steps', steps }, 'api');
      workflows.onRunFinished(async () => {
        finished += 1;
      });
    }
    await stack.startWorker();
    const { db } = stack.platform.database;
    let started = 0;
    /** Starts `count` more units and waits until every unit started so far has finished. */
    const startUnit = async (u: number) => {
      if (mode !== 'tasks') await workflows.startRun(WORKFLOW_ID, { u });
      else for (let k = 0; k < 3; k++) await stack.tasks.queue.enqueue({ agentId: NOOP_AGENT_ID, action: 'run', input: { u, k } });
    };
    const runUnits = async (count: number) => {
      const end = started + count;
      const starter = async () => {
        while (started < end) await startUnit(started++);
      };
      await Promise.all(Array.from({ length: Math.max(1, inFlight) }, starter));
      // Sagas: the run hook fires inside the finishing transaction. Plain tasks have no finish
      // hooks; their count is read from the table, as committed.
      const target = mode === 'tasks' ? started * 3 : started;
      const done = async () => {
        if (mode !== 'tasks') return finished >= target;
        const r = await db.selectFrom('tasks').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'succeeded').executeTakeFirst();
        return Number(r?.n ?? 0) >= target;
      };
      await waitFor(done, { timeoutMs: 600_000, intervalMs: mode === 'tasks' ? 5 : 2, what: `${target} ${mode} finished` });
    };
    await runUnits(Math.min(units, WARM_UP_UNITS));
    const t0 = performance.now();
    await runUnits(units);
    return { unitsPerSecond: (units / (performance.now() - t0)) * 1000 };
  } finally {
    await stack.stop();
    await database.drop();
  }
}
