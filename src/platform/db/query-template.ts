// A query whose shape does not change between calls, built and compiled by Kysely once per shape:
// later calls only supply the values. Building and compiling a large query tree (a claim with
// four common table expressions) cost more Node CPU than running it on a warm connection.
//
// The builder receives placeholders in place of values. Each placeholder must reach Kysely as a
// value as it is (a `where`, `set`, `val`, `limit` or `sql` template argument), never through
// JavaScript arithmetic or string building, which would bake the placeholder into the text. A
// shape key (for example a batch size that changes the number of list items) selects the cached
// compilation; calls with the same key must build the same text.

import { CompiledQuery, type Compilable, type QueryResult } from 'kysely';

/** Anything that runs a compiled query: a Kysely instance, a transaction, a connection. */
export interface QueryRunner {
  executeQuery<O>(query: CompiledQuery<O>): Promise<QueryResult<O>>;
}

class Placeholder {
  constructor(readonly name: string) {}
}

export type Placeholders<P extends string> = { readonly [K in P]: never };

interface Compiled {
  sql: string;
  /** Per parameter: the value's name, or a constant Kysely put in the text's parameters. */
  slots: ({ name: string } | { constant: unknown })[];
}

/** Most shapes kept per template (batch sizes up to this many are cached; larger ones compile each time). */
const MAX_SHAPES = 128;

export interface QueryTemplate<P extends string, R> {
  /** Runs the query with these values on `q`. */
  (q: QueryRunner, values: Record<P, unknown>, shape?: number): Promise<QueryResult<R>>;
  /** The query with these values, to be run by someone else (a statement program yields it). */
  statement(values: Record<P, unknown>, shape?: number): CompiledQuery<R>;
}

export function queryTemplate<P extends string, R>(build: (p: Placeholders<P>, shape: number) => Compilable<R> | CompiledQuery<R>): QueryTemplate<P, R> {
  const compiled = new Map<number, Compiled>();
  const placeholders = new Proxy({} as Record<string, Placeholder>, {
    get: (cache, name: string) => (cache[name] ??= new Placeholder(name)),
  }) as unknown as Placeholders<P>;

  const compile = (shape: number): Compiled => {
    const built = build(placeholders, shape);
    // A query builder compiles itself; a raw `sql` template is compiled by the caller (.compile(db)).
    const query = 'compile' in built ? built.compile() : built;
    return {
      sql: query.sql,
      slots: query.parameters.map((v) => (v instanceof Placeholder ? { name: v.name } : { constant: v })),
    };
  };

  const statement = (values: Record<P, unknown>, shape = 0): CompiledQuery<R> => {
    let c = compiled.get(shape);
    if (!c) {
      c = compile(shape);
      if (compiled.size < MAX_SHAPES) compiled.set(shape, c);
    }
    const parameters = c.slots.map((s) => ('name' in s ? values[s.name as P] : s.constant));
    return CompiledQuery.raw(c.sql, parameters) as CompiledQuery<R>;
  };
  const run = (q: QueryRunner, values: Record<P, unknown>, shape?: number) => q.executeQuery(statement(values, shape));
  return Object.assign(run, { statement });
}
