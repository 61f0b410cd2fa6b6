// Indexes in the claim order. The claim reads "due queued tasks by priority (highest first), then
// age" globally (which agents have work) and per agent (which rows to lease). The first indexes
// had priority ascending, so neither read could walk an index: every claim sorted every queued
// task. With priority descending in the index both reads stop after the rows they need.

import type { AnyKysely, MigrationFactory } from './migration-context';

const migration: MigrationFactory = () => ({
  async up(db: AnyKysely) {
    await db.schema.dropIndex('tasks_claim_idx').execute();
    await db.schema.dropIndex('tasks_agent_status_idx').execute();
    await db.schema.createIndex('tasks_due_idx').on('tasks').columns(['status', 'priority desc', 'run_at', 'created_at']).execute();
    // Also serves the per-agent running count (its first two columns).
    await db.schema
      .createIndex('tasks_agent_due_idx')
      .on('tasks')
      .columns(['agent_id', 'status', 'priority desc', 'run_at', 'created_at'])
      .execute();
  },
  async down(db: AnyKysely) {
    await db.schema.dropIndex('tasks_agent_due_idx').execute();
    await db.schema.dropIndex('tasks_due_idx').execute();
    await db.schema.createIndex('tasks_claim_idx').on('tasks').columns(['status', 'priority', 'run_at', 'created_at']).execute();
    await db.schema.createIndex('tasks_agent_status_idx').on('tasks').columns(['agent_id', 'status']).execute();
  },
});

export default migration;
