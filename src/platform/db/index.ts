// Public surface of the database layer.

export * from './create-database';
export * from './dialect-strategy';
export * from './migrator';
export type * from './schema';
export { parseJson } from './json';
