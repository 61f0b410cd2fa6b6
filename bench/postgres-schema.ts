// A fresh Postgres schema per benchmark subject, so no product sees another's tables or leftovers.

import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface BenchSchema {
  name: string;
  /** The base URL with search_path set to this schema (what Catalynx's DATABASE_URL takes). */
  url: string;
  drop(): Promise<void>;
}

export async function createBenchSchema(baseUrl: string, prefix: string): Promise<BenchSchema> {
  const name = `bench_${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  await withClient(baseUrl, (c) => c.query(`create schema ${name}`));
  const u = new URL(baseUrl);
  u.searchParams.set('options', `-c search_path=${name}`);
  return {
    name,
    url: u.toString(),
    drop: () => withClient(baseUrl, (c) => c.query(`drop schema if exists ${name} cascade`)).then(() => undefined),
  };
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
