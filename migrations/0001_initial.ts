// The initial schema: agents, tasks, workflows and runs, events, profiles, flags, keys, services, scheduler.

import type { AnyKysely, MigrationFactory } from './migration-context';

const migration: MigrationFactory = (dialect) => ({
  async up(db: AnyKysely) {
    await db.schema
      .createTable('agents')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('runtime', 'text', (c) => c.notNull())
      .addColumn('capabilities', 'text', (c) => c.notNull())
      .addColumn('endpoint', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull())
      .addColumn('health_check_url', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('unknown'))
      .addColumn('health_message', 'text')
      .addColumn('last_heartbeat_at', 'bigint')
      .addColumn('last_health_check_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('circuit_breakers')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('failure_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('opened_at', 'bigint')
      .addColumn('trial_started_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('tasks')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('agent_id', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('run_at', 'bigint', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('max_attempts', 'integer', (c) => c.notNull())
      .addColumn('timeout_seconds', 'integer')
      .addColumn('idempotency_key', 'text')
      .addColumn('result', 'text')
      .addColumn('last_error', 'text')
      .addColumn('locked_by', 'text')
      .addColumn('locked_until', 'bigint')
      .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('correlation_id', 'text')
      .addColumn('workflow_run_id', 'text')
      .addColumn('workflow_step_id', 'text')
      .addColumn('workflow_task_kind', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .execute();
    // The claim query: queued tasks by priority then age, due now.
    await db.schema
      .createIndex('tasks_claim_idx')
      .on('tasks')
      .columns(['status', 'priority', 'run_at', 'created_at'])
      .execute();
    await db.schema.createIndex('tasks_agent_status_idx').on('tasks').columns(['agent_id', 'status']).execute();
    await db.schema.createIndex('tasks_lease_idx').on('tasks').columns(['status', 'locked_until']).execute();
    await db.schema.createIndex('tasks_run_idx').on('tasks').columns(['workflow_run_id']).execute();
    // An idempotency key names one task per agent; NULL keys never collide.
    await db.schema
      .createIndex('tasks_idempotency_uq')
      .on('tasks')
      .columns(['agent_id', 'idempotency_key'])
      .unique()
      .execute();

    await db.schema
      .createTable('task_attempts')
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('worker_id', 'text', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .addColumn('outcome', 'text')
      .addColumn('error', 'text')
      .addPrimaryKeyConstraint('task_attempts_pk', ['task_id', 'attempt'])
      .execute();

    await db.schema
      .createTable('workflows')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('schedule', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('workflow_runs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workflow_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('input', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('idempotency_key', 'text')
      .addColumn('error', 'text')
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('correlation_id', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('workflow_runs_idempotency_uq')
      .on('workflow_runs')
      .columns(['workflow_id', 'idempotency_key'])
      .unique()
      .execute();
    await db.schema.createIndex('workflow_runs_status_idx').on('workflow_runs').columns(['status', 'created_at']).execute();

    await db.schema
      .createTable('workflow_run_steps')
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('step_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('task_id', 'text')
      .addColumn('compensation_task_id', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('output', 'text')
      .addColumn('error', 'text')
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addPrimaryKeyConstraint('workflow_run_steps_pk', ['run_id', 'step_id'])
      .execute();

    await db.schema
      .createTable('events')
      .addColumn('position', dialect.autoIncrementingKeyType, (c) => dialect.autoIncrementingKey(c))
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('aggregate_type', 'text', (c) => c.notNull())
      .addColumn('aggregate_id', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('metadata', 'text', (c) => c.notNull())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      // Of two writers appending the same version, the database lets exactly one in.
      .addUniqueConstraint('events_stream_version_uq', ['aggregate_type', 'aggregate_id', 'version'])
      .execute();
    await db.schema.createIndex('events_type_idx').on('events').columns(['type', 'position']).execute();

    await db.schema
      .createTable('subscription_checkpoints')
      .addColumn('subscriber', 'text', (c) => c.primaryKey())
      .addColumn('position', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('profiles')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('organization', 'text', (c) => c.notNull())
      .addColumn('ein', 'text')
      .addColumn('mission', 'text', (c) => c.notNull())
      .addColumn('focus_areas', 'text', (c) => c.notNull())
      .addColumn('states', 'text', (c) => c.notNull())
      .addColumn('revenue_min', 'bigint')
      .addColumn('revenue_max', 'bigint')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('profile_reports')
      .addColumn('profile_id', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('tier', 'text', (c) => c.notNull())
      .addColumn('report', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('profile_reports_pk', ['profile_id', 'run_id'])
      .execute();

    await db.schema
      .createTable('feature_flags')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('rollout_percentage', 'real', (c) => c.notNull().defaultTo(0))
      .addColumn('conditions', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('last_used_at', 'bigint')
      .execute();

    await db.schema
      .createTable('services')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('base_url', 'text', (c) => c.notNull())
      .addColumn('routes', 'text', (c) => c.notNull())
      .addColumn('health_url', 'text')
      .addColumn('timeout_ms', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('scheduler_locks')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('scheduled_ticks')
      .addColumn('job', 'text', (c) => c.notNull())
      .addColumn('tick', 'bigint', (c) => c.notNull())
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('ran_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('scheduled_ticks_pk', ['job', 'tick'])
      .execute();

  },

  async down(db: AnyKysely) {
    for (const table of [
      'scheduled_ticks',
      'scheduler_locks',
      'services',
      'api_keys',
      'feature_flags',
      'profile_reports',
      'profiles',
      'subscription_checkpoints',
      'events',
      'workflow_run_steps',
      'workflow_runs',
      'workflows',
      'task_attempts',
      'tasks',
      'circuit_breakers',
      'agents',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
});

export default migration;
