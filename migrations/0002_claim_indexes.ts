// Indexes for the claim, and fewer index writes per task.
//
// A claim asks two things: which agents have due queued work, best task first, and which of one
// agent's rows to lease. The first indexes had priority ascending and did not lead with status,
// so every claim sorted every queued task (and on a table the planner had no statistics for yet,
// Postgres chose that even where an index could serve). With (status, agent_id, priority desc,
// run_at, created_at) the agents with queued work are found by a skip scan of the index and each
// agent's best rows by a short index range: a few entries per agent, however many tasks are
// queued. Its first two columns also serve the per-agent running count, the lease reaper (running
// tasks are at most the workers' total concurrency) and the queue statistics.
//
// A task changes status twice on its way (queued, running, finished) and every change writes a
// new entry into each index that covers the row. The idempotency and workflow-run indexes are now
// partial, holding only rows that have a key or a run, and the separate lease index is gone: a
// plain task's status change writes two index entries instead of five.

import type { AnyKysely, MigrationFactory } from './migration-context';

const migration: MigrationFactory = () => ({
  async up(db: AnyKysely) {
    for (const name of ['tasks_claim_idx', 'tasks_agent_status_idx', 'tasks_lease_idx', 'tasks_run_idx', 'tasks_idempotency_uq']) {
      await db.schema.dropIndex(name).execute();
    }
    await db.schema
      .createIndex('tasks_status_agent_idx')
      .on('tasks')
      .columns(['status', 'agent_id', 'priority desc', 'run_at', 'created_at'])
      .execute();
    // An idempotency key names one task per agent; tasks without a key are not in the index.
    await db.schema
      .createIndex('tasks_idempotency_uq')
      .on('tasks')
      .columns(['agent_id', 'idempotency_key'])
      .unique()
      .where('idempotency_key', 'is not', null)
      .execute();
    await db.schema.createIndex('tasks_run_idx').on('tasks').column('workflow_run_id').where('workflow_run_id', 'is not', null).execute();
  },
  async down(db: AnyKysely) {
    for (const name of ['tasks_status_agent_idx', 'tasks_idempotency_uq', 'tasks_run_idx']) await db.schema.dropIndex(name).execute();
    await db.schema.createIndex('tasks_claim_idx').on('tasks').columns(['status', 'priority', 'run_at', 'created_at']).execute();
    await db.schema.createIndex('tasks_agent_status_idx').on('tasks').columns(['agent_id', 'status']).execute();
    await db.schema.createIndex('tasks_lease_idx').on('tasks').columns(['status', 'locked_until']).execute();
    await db.schema.createIndex('tasks_run_idx').on('tasks').columns(['workflow_run_id']).execute();
    await db.schema.createIndex('tasks_idempotency_uq').on('tasks').columns(['agent_id', 'idempotency_key']).unique().execute();
  },
});

export default migration;
