// Public surface of the database layer.

export * from './create-database';
export * from './dialect-strategy';
export * from './migrator';
export { transactionRunner } from './transaction-runner';
export type * from './schema';
export { parseJson } from './json';
export * from './statement-program';
