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
  // 250 rows a statement; a larger batch goes in several, in one transaction, each sent as soon
  // as it is built, so Postgres inserts one while Node builds the next: calls of 5,000 tasks went
  // in 30-60 % faster than as one statement, those of 1,000 about 20 % (bench/findings.md item 72).
  maxRows: 250,
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
  const n = rows.length;
  const first = n > 0 ? rows[0]![column] : null;
  let same = 1;
  while (same < n && rows[same]![column] === first) same++;
  // Most columns of new tasks hold one value in every row (the status, the attempts, the nulls): repeated, not rebuilt.
  if (same === n) return n === 0 ? '{}' : `{${`${element(first, text)},`.repeat(n - 1)}${element(first, text)}}`;
  const parts = new Array<string>(n);
  for (let i = 0; i < n; i++) parts[i] = element(rows[i]![column], text);
  return `{${parts.join(',')}}`;
}

function element(v: string | number | null, text: boolean): string {
  if (v === null) return 'NULL';
  if (!text) return String(v);
  const s = String(v);
  return NEEDS_ESCAPE.test(s) ? `"${s.replace(ESCAPED, '\\$&')}"` : `"${s}"`;
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
