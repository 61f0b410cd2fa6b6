// The statements of a run's transitions, built and compiled once (query templates). Each change of
// a step carries its guard in the WHERE (the status it leaves, and the task or child run it is
// about), so a redelivered finish or a timer that fires twice changes nothing the second time.

import { sql } from 'kysely';
import type { DatabaseHandle } from '../../platform/db';
import { queryTemplate, type Placeholders } from '../../platform/db/query-template';
import type { WorkflowRunStepsTable, WorkflowRunsTable, WorkflowsTable } from '../../platform/db/schema';

export type SagaStatements = ReturnType<typeof createSagaStatements>;

/** finishTaskStepsAhead's answer for one step: whether the step's end could be made there, and its sequence number if it was. */
export type StepEndAhead = { eligible: boolean; seq: number | string | null };

type StoredRunPlaceholder = 'id' | 'workflow' | 'input' | 'key' | 'metadata' | 'correlation' | 't';

/**
 * The insert of a run of a stored workflow's current version (of `version`, when given), its
 * definition copied from the workflow's row; a taken idempotency key inserts nothing. The casts
 * type the values for Postgres, which would take an untyped value in a SELECT list as text.
 */
function storedRunInsert(p: Placeholders<StoredRunPlaceholder>, version?: never) {
  const guard = version === undefined ? sql`` : sql` and w.version = cast(${version} as integer)`;
  return sql`insert into workflow_runs (id, workflow_id, workflow_version, status, input, definition, idempotency_key, error, metadata,
      correlation_id, parent_run_id, parent_step_id, output, created_at, updated_at, finished_at)
    select cast(${p.id} as text), w.id, w.version, 'running', cast(${p.input} as text), w.definition, cast(${p.key} as text), null, cast(${p.metadata} as text),
      cast(${p.correlation} as text), null, null, null, cast(${p.t} as bigint), cast(${p.t} as bigint), cast(null as bigint)
    from workflows w where w.id = ${p.workflow}${guard}
    on conflict (workflow_id, idempotency_key) do nothing`;
}

type FinishRunPlaceholder = 'status' | 'error' | 'output' | 't' | 'id' | 'from';

export function createSagaStatements(database: DatabaseHandle) {
  const { db, strategy } = database;
  const steps = () => db.updateTable('workflow_run_steps');
  /** A run's end, guarded by the status it leaves. */
  const finishRunUpdate = (p: Placeholders<FinishRunPlaceholder>) =>
    db
      .updateTable('workflow_runs')
      .set({ status: p.status, error: p.error, output: p.output, updated_at: p.t, finished_at: p.t })
      .where('id', '=', p.id)
      .where('status', '=', p.from);

  return {
    /** Reads the run, holding its row lock on Postgres so two transitions of one run serialize. */
    lockRun: queryTemplate<'id', WorkflowRunsTable>((p) => {
      const q = db.selectFrom('workflow_runs').selectAll().where('id', '=', p.id);
      return strategy.supportsSkipLocked ? q.forUpdate() : q;
    }),
    /** Reads `k` runs (`id0`, …) holding their row locks, in id order (Postgres; see prepareTaskFinishes). */
    lockRuns: queryTemplate<string, WorkflowRunsTable>((p, k) =>
      db
        .selectFrom('workflow_runs')
        .selectAll()
        .where(
          'id',
          'in',
          Array.from({ length: k }, (_, i) => p[`id${i}`]),
        )
        .orderBy('id')
        .forUpdate(),
    ),
    runSteps: queryTemplate<'run', WorkflowRunStepsTable>((p) => db.selectFrom('workflow_run_steps').selectAll().where('run_id', '=', p.run).orderBy('position')),
    findWorkflow: queryTemplate<'id', WorkflowsTable>((p) => db.selectFrom('workflows').selectAll().where('id', '=', p.id)),

    insertRun: queryTemplate<
      'id' | 'workflow' | 'version' | 'input' | 'definition' | 'key' | 'metadata' | 'correlation' | 'parentRun' | 'parentStep' | 't',
      WorkflowRunsTable
    >((p) =>
      db
        .insertInto('workflow_runs')
        .values({
          id: p.id,
          workflow_id: p.workflow,
          workflow_version: p.version,
          status: 'running',
          input: p.input,
          definition: p.definition,
          idempotency_key: p.key,
          error: null,
          metadata: p.metadata,
          correlation_id: p.correlation,
          parent_run_id: p.parentRun,
          parent_step_id: p.parentStep,
          output: null,
          created_at: p.t,
          updated_at: p.t,
          finished_at: null,
        })
        .onConflict((oc) => oc.columns(['workflow_id', 'idempotency_key']).doNothing())
        .returningAll(),
    ),
    /** A run of the stored workflow's current version (storedRunInsert); no row: no such workflow, or the key was taken. */
    insertStoredRun: queryTemplate<StoredRunPlaceholder, WorkflowRunsTable>((p) => sql<WorkflowRunsTable>`${storedRunInsert(p)} returning *`.compile(db)),
    /**
     * Postgres: insertStoredRun for a version the process knows (`version`), sent without waiting
     * for its answer: the row is what was bound and the definition is the one known for that
     * version. Writing nothing (a newer version, no such workflow, the key taken) raises CXW01
     * (catalynx_expect_written, migration 0008), which aborts the transaction it is in.
     */
    insertStoredRunAt: queryTemplate<StoredRunPlaceholder | 'version', { written: null }>((p) =>
      sql<{ written: null }>`with inserted as (
          ${storedRunInsert(p, p.version)} returning id
        )
        select catalynx_expect_written((select count(*) from inserted), 'the run') as written`.compile(db),
    ),
    keyedRun: queryTemplate<'workflow' | 'key', WorkflowRunsTable>((p) =>
      db.selectFrom('workflow_runs').selectAll().where('workflow_id', '=', p.workflow).where('idempotency_key', '=', p.key),
    ),
    /** The pending rows of a new run's `k` steps (`step{i}`, `kind{i}`, `parent{i}`, in definition order). */
    insertSteps: queryTemplate<string, never>((p, k) =>
      db.insertInto('workflow_run_steps').values(
        Array.from({ length: k }, (_, i) => ({
          run_id: p.run,
          step_id: p[`step${i}`],
          position: i,
          kind: p[`kind${i}`],
          parent_id: p[`parent${i}`],
          status: 'pending' as const,
          task_id: null,
          compensation_task_id: null,
          attempts: 0,
          output: null,
          error: null,
          started_at: null,
          finished_at: null,
        })),
      ),
    ),

    /**
     * A pending agent step runs the task that holds its key (`agent`, `key`): the one just queued
     * as `task`, unless a task from before the API reserved workflow keys holds it; until `deadline`
     * (null: no deadline).
     */
    startTaskStep: queryTemplate<'task' | 'agent' | 'key' | 't' | 'deadline' | 'run' | 'step', never>((p) =>
      steps()
        .set((eb) => ({
          status: 'running',
          task_id: eb.fn.coalesce(eb.selectFrom('tasks').select('tasks.id').where('tasks.agent_id', '=', p.agent).where('tasks.idempotency_key', '=', p.key), eb.val(p.task)),
          started_at: p.t,
          wake_at: p.deadline,
        }))
        .where('run_id', '=', p.run)
        .where('step_id', '=', p.step)
        .where('status', '=', 'pending'),
    ),
    /** A pending child-workflow step runs its child run. */
    startChildStep: queryTemplate<'child' | 't' | 'deadline' | 'run' | 'step', never>((p) =>
      steps().set({ status: 'running', child_run_id: p.child, started_at: p.t, wake_at: p.deadline }).where('run_id', '=', p.run).where('step_id', '=', p.step).where('status', '=', 'pending'),
    ),
    /** A pending sleep or wait parks until `wake` (a wait also records what it waits for). */
    parkStep: queryTemplate<'t' | 'wake' | 'type' | 'spec' | 'run' | 'step', never>((p) =>
      steps()
        .set({ status: 'waiting', started_at: p.t, wake_at: p.wake, wait_type: p.type, wait_spec: p.spec })
        .where('run_id', '=', p.run)
        .where('step_id', '=', p.step)
        .where('status', '=', 'pending'),
    ),
    /** A pending group or sequence opens. */
    openStep: queryTemplate<'t' | 'run' | 'step', never>((p) =>
      steps().set({ status: 'running', started_at: p.t }).where('run_id', '=', p.run).where('step_id', '=', p.step).where('status', '=', 'pending'),
    ),
    skipStep: queryTemplate<'t' | 'run' | 'step', never>((p) =>
      steps().set({ status: 'skipped', started_at: p.t, finished_at: p.t }).where('run_id', '=', p.run).where('step_id', '=', p.step).where('status', '=', 'pending'),
    ),
    /** A running group or sequence completes with its branches' output. */
    closeStep: queryTemplate<'output' | 't' | 'run' | 'step', never>((p) =>
      steps().set({ status: 'succeeded', output: p.output, finished_at: p.t }).where('run_id', '=', p.run).where('step_id', '=', p.step).where('status', '=', 'running'),
    ),
    /** A running agent step ends with its task (guarded by the task, so only that task's finish counts). */
    finishTaskStep: queryTemplate<'status' | 'output' | 'error' | 'attempts' | 'seq' | 't' | 'run' | 'step' | 'task', never>((p) =>
      steps()
        .set({ status: p.status, output: p.output, error: p.error, attempts: p.attempts, completed_seq: p.seq, finished_at: p.t, wake_at: null })
        .where('run_id', '=', p.run)
        .where('step_id', '=', p.step)
        .where('status', '=', 'running')
        .where('task_id', '=', p.task),
    ),
    /**
     * Postgres, sent with a batch's fenced update (prepareTaskFinishes): a running agent step
     * ends as succeeded with its task, if that task's update succeeded and a transition may
     * touch the run now (`eligible`: the run is not final and has no child-workflow steps, whose
     * ends move a parent from another run's transition). `seq`: its completion sequence number,
     * null when the step had already ended. Not eligible: nothing changed, and the finish hook
     * finishes the step itself. All the batch's steps in one statement, at most one per run (a
     * run's completion sequence is read before the statement's own updates), one answer row per
     * step, by task. Each step's run, child steps and task are looked up by key, row by row (a
     * lateral subquery the planner cannot flatten, OFFSET 0): flattened into joins, a planner
     * with stale statistics scanned every finished task or every step row of the table instead.
     */
    finishTaskStepsAhead: queryTemplate<'runs' | 'steps' | 'tasks' | 'outputs' | 'attempts' | 't', StepEndAhead & { task: string }>((p) =>
      sql<StepEndAhead & { task: string }>`with batch as (
          select * from unnest(${p.runs}::text[], ${p.steps}::text[], ${p.tasks}::text[], ${p.outputs}::text[], ${p.attempts}::integer[])
            as b(run, step, task, output, attempts)
        ),
        eligible as (
          select batch.*, coalesce(x.ok, false) as ok, coalesce(x.task_done, false) as task_done
          from batch
          left join lateral (
            select true as ok, (select k.status from tasks k where k.id = batch.task) = 'succeeded' as task_done
            from workflow_runs r
            where r.id = batch.run and r.status in ('running', 'compensating')
              and not exists (select 1 from workflow_run_steps c where c.run_id = batch.run and c.kind = 'workflow')
            offset 0
          ) x on true
        ),
        finished as (
          update workflow_run_steps s set status = 'succeeded', output = e.output, error = null, attempts = e.attempts,
            completed_seq = (select coalesce(max(q.completed_seq), 0) + 1 from workflow_run_steps q where q.run_id = e.run),
            finished_at = ${p.t}::bigint, wake_at = null
          from eligible e
          where s.run_id = e.run and s.step_id = e.step and s.status = 'running' and s.task_id = e.task and e.ok and e.task_done
          returning s.task_id, s.completed_seq
        )
        select e.task, e.ok as eligible, f.completed_seq as seq from eligible e left join finished f on f.task_id = e.task`.compile(db),
    ),
    finishChildStep: queryTemplate<'status' | 'output' | 'error' | 'seq' | 't' | 'run' | 'step' | 'child', never>((p) =>
      steps()
        .set({ status: p.status, output: p.output, error: p.error, completed_seq: p.seq, finished_at: p.t, wake_at: null })
        .where('run_id', '=', p.run)
        .where('step_id', '=', p.step)
        .where('status', '=', 'running')
        .where('child_run_id', '=', p.child),
    ),
    /** A parked sleep or wait ends (it woke, its event came, it timed out, or the run stopped it). */
    finishParkedStep: queryTemplate<'status' | 'output' | 'error' | 'seq' | 't' | 'run' | 'step', never>((p) =>
      steps()
        .set({ status: p.status, output: p.output, error: p.error, completed_seq: p.seq, finished_at: p.t, wake_at: null })
        .where('run_id', '=', p.run)
        .where('step_id', '=', p.step)
        .where('status', '=', 'waiting'),
    ),
    /** The open groups and sequences of a run that failed are closed as failed. */
    failOpenSteps: queryTemplate<'t' | 'run', never>((p) =>
      steps().set({ status: 'failed', finished_at: p.t }).where('run_id', '=', p.run).where('status', '=', 'running').where('kind', 'in', ['parallel', 'branch']),
    ),

    startCompensation: queryTemplate<'task' | 'run' | 'step', never>((p) =>
      steps().set({ status: 'compensating', compensation_task_id: p.task }).where('run_id', '=', p.run).where('step_id', '=', p.step).where('status', '=', 'succeeded'),
    ),
    finishCompensation: queryTemplate<'status' | 'error' | 'run' | 'step' | 'task', never>((p) =>
      steps()
        .set({ status: p.status, error: p.error })
        .where('run_id', '=', p.run)
        .where('step_id', '=', p.step)
        .where('status', '=', 'compensating')
        .where('compensation_task_id', '=', p.task),
    ),

    /** A running run starts compensating, with the reason. */
    startCompensating: queryTemplate<'error' | 't' | 'id', never>((p) =>
      db.updateTable('workflow_runs').set({ status: 'compensating', error: p.error, updated_at: p.t }).where('id', '=', p.id).where('status', '=', 'running'),
    ),
    compensatingError: queryTemplate<'error' | 't' | 'id', never>((p) =>
      db.updateTable('workflow_runs').set({ error: p.error, updated_at: p.t }).where('id', '=', p.id).where('status', '=', 'compensating'),
    ),
    finishRun: queryTemplate<FinishRunPlaceholder, WorkflowRunsTable>((p) => finishRunUpdate(p).returningAll()),
    /**
     * Postgres: finishRun for a run whose status the transaction knows under its lock, sent without
     * waiting for its answer. Ending nothing raises CXW01 (catalynx_expect_written, migration
     * 0008), which aborts the transaction: the caller's knowledge was wrong, and nothing of it commits.
     */
    finishKnownRun: queryTemplate<FinishRunPlaceholder, { written: null }>((p) =>
      sql<{ written: null }>`with finished as (${finishRunUpdate(p).returning('id')})
        select catalynx_expect_written((select count(*) from finished), 'the run''s end') as written`.compile(db),
    ),
    headPosition: queryTemplate<never, { head: number | string | null }>(() => db.selectFrom('events').select((eb) => eb.fn.max('position').as('head'))),
  };
}
