// What a migration may ask of the database it runs on: the few DDL differences, as capabilities.

import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';

export interface MigrationDialect {
  /** Server-side functions exist on Postgres only; SQLite migrations skip them. */
  readonly supportsFunctions: boolean;
  /** Makes a column an auto-incrementing 64-bit primary key (SQLite AUTOINCREMENT; Postgres identity). */
  autoIncrementingKey(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /** The column type for an auto-incrementing key (integer on SQLite, bigint on Postgres). */
  autoIncrementingKeyType: 'integer' | 'bigint';
}

// Migrations are written against an untyped Kysely: they describe the schema's past, which the
// current `Database` type no longer matches once later migrations change it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKysely = Kysely<any>;

export type MigrationFactory = (dialect: MigrationDialect) => Migration;
