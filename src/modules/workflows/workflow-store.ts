// Stored workflow definitions and their versions (the `workflows` and `workflow_versions` tables).
// Saving a definition that differs from the latest adds a version; saving the same one again (a
// restart loading WORKFLOWS_DIR) changes nothing. Runs snapshot the definition they start with, so
// a new version never changes a run in flight.

import type { DatabaseHandle } from '../../platform/db';
import { parseJson, transactionRunner } from '../../platform/db';
import { queryTemplate } from '../../platform/db/query-template';
import type { WorkflowVersionsTable, WorkflowsTable } from '../../platform/db/schema';
import { NotFoundError } from '../../platform/errors';
import type { WorkflowDefinition } from './workflow-definition';

export interface StoredWorkflow {
  definition: WorkflowDefinition;
  source: 'api' | 'file';
  version: number;
  created_at: number;
  updated_at: number;
}

export interface WorkflowVersion {
  version: number;
  definition: WorkflowDefinition;
  source: 'api' | 'file';
  created_at: number;
}

export interface WorkflowStore {
  /**
   * Stores the definition as the workflow's next version, unless it equals the latest one.
   * `created`: the workflow is new; `changed`: a version was added.
   */
  save(def: WorkflowDefinition, source: 'api' | 'file'): Promise<{ workflow: StoredWorkflow; created: boolean; changed: boolean }>;
  find(id: string): Promise<StoredWorkflow | undefined>;
  get(id: string): Promise<StoredWorkflow>;
  list(): Promise<StoredWorkflow[]>;
  /** Every version of a workflow, oldest first (empty for an unknown workflow). */
  versions(id: string): Promise<WorkflowVersion[]>;
  getVersion(id: string, version: number): Promise<WorkflowVersion>;
}

const emptyDefinition = (id: string, name: string) => ({ id, name, steps: [] }) as unknown as WorkflowDefinition;

function toStored(row: WorkflowsTable): StoredWorkflow {
  return {
    definition: parseJson<WorkflowDefinition>(row.definition, emptyDefinition(row.id, row.name)),
    source: row.source,
    version: Number(row.version ?? 1),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

function toVersion(row: WorkflowVersionsTable): WorkflowVersion {
  return {
    version: Number(row.version),
    definition: parseJson<WorkflowDefinition>(row.definition, emptyDefinition(row.workflow_id, row.workflow_id)),
    source: row.source,
    created_at: Number(row.created_at),
  };
}

/** Two saves of the same workflow at once both try version n+1; the loser tries again. */
const SAVE_ATTEMPTS = 5;

export function createWorkflowStore(database: DatabaseHandle, opts: { now?: () => number } = {}): WorkflowStore {
  const { db, strategy } = database;
  const now = opts.now ?? Date.now;
  // Read once per run started: built and compiled once, and on SQLite run on the connection at once.
  const findQuery = queryTemplate<'id', WorkflowsTable>((p) => db.selectFrom('workflows').selectAll().where('id', '=', p.id));

  async function saveOnce(def: WorkflowDefinition, source: 'api' | 'file') {
    return strategy.writeTransaction(db, async (trx) => {
      const t = now();
      const text = JSON.stringify(def);
      const current = await trx.selectFrom('workflows').selectAll().where('id', '=', def.id).executeTakeFirst();
      if (current && current.definition === text) return { workflow: toStored(current), created: false, changed: false };
      const version = current ? Number(current.version ?? 1) + 1 : 1;
      // The (workflow, version) key decides between two concurrent saves: one of them fails here.
      await trx.insertInto('workflow_versions').values({ workflow_id: def.id, version, definition: text, source, created_at: t }).execute();
      const values = { name: def.name, definition: text, schedule: def.schedule ?? null, source, updated_at: t, version };
      const row = current
        ? await trx.updateTable('workflows').set(values).where('id', '=', def.id).where('version', '=', version - 1).returningAll().executeTakeFirst()
        : await trx.insertInto('workflows').values({ id: def.id, ...values, created_at: t }).returningAll().executeTakeFirst();
      if (!row) throw new VersionRaceError(def.id);
      return { workflow: toStored(row), created: !current, changed: true };
    });
  }

  const store: WorkflowStore = {
    async save(def, source) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await saveOnce(def, source);
        } catch (err) {
          if (attempt >= SAVE_ATTEMPTS || !(err instanceof VersionRaceError || strategy.isUniqueViolation(err))) throw err;
        }
      }
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
    async versions(id) {
      const rows = await db.selectFrom('workflow_versions').selectAll().where('workflow_id', '=', id).orderBy('version').execute();
      return rows.map(toVersion);
    },
    async getVersion(id, version) {
      const row = await db.selectFrom('workflow_versions').selectAll().where('workflow_id', '=', id).where('version', '=', version).executeTakeFirst();
      if (!row) throw new NotFoundError('workflow version', `${id}@${version}`);
      return toVersion(row);
    },
  };
  return store;
}

class VersionRaceError extends Error {
  constructor(readonly workflowId: string) {
    super(`workflow ${workflowId} got a new version while this one was being saved`);
    this.name = 'VersionRaceError';
  }
}

