// The statement that puts many new task rows into `tasks` at once, in the form each database runs fastest.
//
// Postgres binds each column as one array and unnests them: one statement text for every batch
// size (prepared once per connection, planned in microseconds), 26 parameters instead of 26 per
// row. SQLite has no array parameters; it lists the rows in a multi-row VALUES, which its
// parameter limit caps at 500 rows of 26 columns. With idempotency keys in the batch, both skip a
// row whose (agent, key) is taken, by an earlier row of the same statement too (ON CONFLICT DO
// NOTHING inserts in the order given, so the first request with a key wins), and return only the
// ids inserted: the rest of each row is what the caller bound. Without keys nothing can conflict
// (ids are new), so the statement is a plain insert: ON CONFLICT's speculative insertion cost
// Postgres about 7 % of the statement.
import { CompiledQuery } from 'kysely';
import type { DialectStrategy } from '../../platform/db';
import type { TasksTable } from '../../platform/db/schema';

/** Every column of a task row with its Postgres type, in the order the statements list them. */
const TASK_COLUMN_TYPES = {
  id: 'text',
  agent_id: 'text',
  action: 'text',
  input: 'text',
  status: 'text',
  priority: 'integer',
  run_at: 'bigint',
  attempts: 'integer',
  max_attempts: 'integer',
  timeout_seconds: 'integer',
  idempotency_key: 'text',
  result: 'text',
  last_error: 'text',
  locked_by: 'text',
  locked_until: 'bigint',
  cancel_requested: 'integer',
  correlation_id: 'text',
  workflow_run_id: 'text',
  workflow_step_id: 'text',
  workflow_task_kind: 'text',
  retry_base_ms: 'integer',
  retry_max_ms: 'integer',
  created_at: 'bigint',
  updated_at: 'bigint',
  started_at: 'bigint',
  finished_at: 'bigint',
} as const satisfies Record<keyof TasksTable, 'text' | 'integer' | 'bigint'>;

const COLUMNS = Object.keys(TASK_COLUMN_TYPES) as (keyof TasksTable)[];
const COLUMN_LIST = COLUMNS.map((c) => `"${c}"`).join(', ');
/** The idempotency index is partial (only keyed tasks), so the conflict target names its predicate. */
const ON_KEY_TAKEN = ' on conflict ("agent_id", "idempotency_key") where "idempotency_key" is not null do nothing returning "id"';

export interface BulkTaskInsert {
  /** Most rows one statement takes. */
  readonly maxRows: number;
  /**
   * Inserts `rows` (at most maxRows). `keyed` (some row has an idempotency key): skips the rows
   * whose (agent, key) is taken and answers the ids inserted. Not keyed: inserts every row (or
   * fails) and answers no rows.
   */
  statement(rows: readonly TasksTable[], keyed: boolean): CompiledQuery<{ id: string }>;
}

/** Postgres: `insert … select * from unnest($1::text[], …, $26::bigint[])`, one parameter per column. */
export const unnestTaskInsert: BulkTaskInsert = {
  // One statement per endpoint call (1,000 tasks at most) and then some; memory, not a limit, bounds it.
  maxRows: 5000,
  statement: (() => {
    const arrays = COLUMNS.map((c, i) => `$${i + 1}::${TASK_COLUMN_TYPES[c]}[]`).join(', ');
    const text = `insert into "tasks" (${COLUMN_LIST}) select * from unnest(${arrays})`;
    const keyedText = text + ON_KEY_TAKEN;
    return (rows: readonly TasksTable[], keyed: boolean) => {
      const parameters = COLUMNS.map((c) => arrayLiteral(rows, c, TASK_COLUMN_TYPES[c] === 'text'));
      return CompiledQuery.raw(keyed ? keyedText : text, parameters) as CompiledQuery<{ id: string }>;
    };
  })(),
};

/** Inside a quoted array element only a backslash and a double quote are escaped. */
const NEEDS_ESCAPE = /[\\"]/;
const ESCAPED = /[\\"]/g;

/**
 * One column of `rows` as a Postgres array literal (`{"a","say \"hi\"",NULL}`, `{1,2,NULL}`). pg would
 * serialise a JavaScript array the same way, element by element through its generic value
 * conversion, which took about half of Node's time for a 1,000-row statement.
 */
function arrayLiteral(rows: readonly TasksTable[], column: keyof TasksTable, text: boolean): string {
  const parts = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = rows[i]![column];
    if (v === null) parts[i] = 'NULL';
    else if (!text) parts[i] = String(v);
    else {
      const s = String(v);
      parts[i] = NEEDS_ESCAPE.test(s) ? `"${s.replace(ESCAPED, '\\$&')}"` : `"${s}"`;
    }
  }
  return `{${parts.join(',')}}`;
}

/** SQLite: a multi-row VALUES with positional parameters; one text per batch size, built once. */
export const valuesTaskInsert: BulkTaskInsert = {
  // 500 × 26 = 13,000 parameters, under SQLite's default limit of 32,766.
  maxRows: 500,
  statement: (() => {
    /** Texts by batch size, plain and keyed (rows + 0.5). */
    const texts = new Map<number, string>();
    const row = `(${COLUMNS.map(() => '?').join(', ')})`;
    const textFor = (k: number, keyed: boolean): string => {
      const shape = keyed ? k + 0.5 : k;
      let text = texts.get(shape);
      if (text === undefined) {
        text = `insert into "tasks" (${COLUMN_LIST}) values ${Array.from({ length: k }, () => row).join(', ')}${keyed ? ON_KEY_TAKEN : ''}`;
        texts.set(shape, text);
      }
      return text;
    };
    return (rows: readonly TasksTable[], keyed: boolean) => {
      const parameters = new Array<unknown>(rows.length * COLUMNS.length);
      let p = 0;
      for (const r of rows) for (const c of COLUMNS) parameters[p++] = r[c];
      return CompiledQuery.raw(textFor(rows.length, keyed), parameters) as CompiledQuery<{ id: string }>;
    };
  })(),
};

/** The bulk insert for a database, chosen once from what it can bind. */
export function bulkTaskInsertFor(strategy: DialectStrategy): BulkTaskInsert {
  return strategy.supportsArrayParameters ? unnestTaskInsert : valuesTaskInsert;
}
