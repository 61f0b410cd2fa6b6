// Stored workflow definitions (the `workflows` table): upsert by id, read, list.

import type { DatabaseHandle } from '../../platform/db';
import { parseJson, transactionRunner } from '../../platform/db';
import { queryTemplate } from '../../platform/db/query-template';
import type { WorkflowsTable } from '../../platform/db/schema';
import { NotFoundError } from '../../platform/errors';
import type { WorkflowDefinition } from './workflow-definition';

export interface StoredWorkflow {
  definition: WorkflowDefinition;
  source: 'api' | 'file';
  created_at: number;
  updated_at: number;
}

export interface WorkflowStore {
  /** Inserts or replaces the definition with this id; `created` tells which. */
  save(def: WorkflowDefinition, source: 'api' | 'file'): Promise<{ workflow: StoredWorkflow; created: boolean }>;
  find(id: string): Promise<StoredWorkflow | undefined>;
  get(id: string): Promise<StoredWorkflow>;
  list(): Promise<StoredWorkflow[]>;
}

function toStored(row: WorkflowsTable): StoredWorkflow {
  return {
    definition: parseJson<WorkflowDefinition>(row.definition, { id: row.id, name: row.name, steps: [] } as unknown as WorkflowDefinition),
    source: row.source,
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

export function createWorkflowStore(database: DatabaseHandle, opts: { now?: () => number } = {}): WorkflowStore {
  const { db } = database;
  const now = opts.now ?? Date.now;
  // Read once per run started: built and compiled once, and on SQLite run on the connection at once.
  const findQuery = queryTemplate<'id', WorkflowsTable>((p) => db.selectFrom('workflows').selectAll().where('id', '=', p.id));
  const store: WorkflowStore = {
    async save(def, source) {
      const t = now();
      const values = { name: def.name, definition: JSON.stringify(def), schedule: def.schedule ?? null, source, updated_at: t };
      // One statement decides insert-or-update; created_at survives updates, so it tells which happened.
      const row = await db
        .insertInto('workflows')
        .values({ id: def.id, ...values, created_at: t })
        .onConflict((oc) => oc.column('id').doUpdateSet(values))
        .returningAll()
        .executeTakeFirstOrThrow();
      // created_at equals this call's timestamp only when this call inserted the row (an update keeps
      // the old one); two saves of one id in the same millisecond are the only ambiguity.
      return { workflow: toStored(row), created: Number(row.created_at) === t };
    },
    async find(id) {
      const [row] = (await findQuery(transactionRunner(database, db), { id })).rows;
      return row ? toStored(row) : undefined;
    },
    async get(id) {
      const found = await store.find(id);
      if (!found) throw new NotFoundError('workflow', id);
      return found;
    },
    async list() {
      const rows = await db.selectFrom('workflows').selectAll().orderBy('id').execute();
      return rows.map(toStored);
    },
  };
  return store;
}
