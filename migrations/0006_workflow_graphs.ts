// Workflows beyond a straight line: parallel groups, conditions, durable sleeps, waits for events,
// child workflows and versioned definitions.
//
// A run's steps now form a small tree (a group's branches hang under it through parent_id) and a
// step can park without a task: `wake_at` is when a sleep ends, a wait gives up or a step's own
// deadline passes, and the scheduler's timer finds due rows through its index. A wait keeps the
// event it waits for (`wait_type`, indexed for the matcher) and, in `wait_spec`, the rendered match
// and the event position it waits after. Tasks carry a step's own back-off between attempts. `completed_seq` numbers a run's completions so that
// compensation runs in reverse completion order across branches. Definitions keep every version;
// runs record the one they started with (their definition snapshot stays what they run) and, once
// completed, their result (`output`, which a parent's child-workflow step completes with).

import { sql } from 'kysely';
import type { AnyKysely, MigrationFactory } from './migration-context';

const migration: MigrationFactory = () => ({
  async up(db: AnyKysely) {
    await db.schema.alterTable('workflow_run_steps').addColumn('kind', 'text', (c) => c.notNull().defaultTo('agent')).execute();
    for (const [name, type] of [
      ['parent_id', 'text'],
      ['wake_at', 'bigint'],
      ['wait_type', 'text'],
      ['wait_spec', 'text'],
      ['child_run_id', 'text'],
      ['completed_seq', 'integer'],
    ] as const) {
      await db.schema.alterTable('workflow_run_steps').addColumn(name, type).execute();
    }
    await db.schema.createIndex('workflow_run_steps_wake_idx').on('workflow_run_steps').columns(['wake_at']).where(sql.ref('wake_at'), 'is not', null).execute();
    await db.schema.createIndex('workflow_run_steps_wait_idx').on('workflow_run_steps').columns(['wait_type', 'status']).where(sql.ref('wait_type'), 'is not', null).execute();

    for (const [name, type] of [
      ['parent_run_id', 'text'],
      ['parent_step_id', 'text'],
      ['workflow_version', 'integer'],
      ['output', 'text'],
    ] as const) {
      await db.schema.alterTable('workflow_runs').addColumn(name, type).execute();
    }
    await db.schema.createIndex('workflow_runs_parent_idx').on('workflow_runs').columns(['parent_run_id']).where(sql.ref('parent_run_id'), 'is not', null).execute();

    // A workflow step's retry policy: the task's own back-off between attempts (null: the queue's).
    await db.schema.alterTable('tasks').addColumn('retry_base_ms', 'integer').execute();
    await db.schema.alterTable('tasks').addColumn('retry_max_ms', 'integer').execute();

    await db.schema.alterTable('workflows').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
    await db.schema
      .createTable('workflow_versions')
      .addColumn('workflow_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('workflow_versions_pk', ['workflow_id', 'version'])
      .execute();
    // Every stored definition becomes its version 1.
    await sql`insert into workflow_versions (workflow_id, version, definition, source, created_at)
      select id, 1, definition, source, updated_at from workflows`.execute(db);
    await sql`update workflow_runs set workflow_version = 1`.execute(db);
  },
  async down(db: AnyKysely) {
    await db.schema.dropTable('workflow_versions').execute();
    await db.schema.alterTable('tasks').dropColumn('retry_base_ms').execute();
    await db.schema.alterTable('tasks').dropColumn('retry_max_ms').execute();
    await db.schema.alterTable('workflows').dropColumn('version').execute();
    await db.schema.dropIndex('workflow_runs_parent_idx').execute();
    for (const name of ['parent_run_id', 'parent_step_id', 'workflow_version', 'output']) await db.schema.alterTable('workflow_runs').dropColumn(name).execute();
    await db.schema.dropIndex('workflow_run_steps_wake_idx').execute();
    await db.schema.dropIndex('workflow_run_steps_wait_idx').execute();
    for (const name of ['kind', 'parent_id', 'wake_at', 'wait_type', 'wait_spec', 'child_run_id', 'completed_seq']) {
      await db.schema.alterTable('workflow_run_steps').dropColumn(name).execute();
    }
  },
});

export default migration;
