// Which backing services the suite runs against: SQLite always; Postgres and Redis from
// TEST_DATABASE_URL / TEST_REDIS_URL. In CI a missing service fails the run; elsewhere it skips.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseDatabaseUrlOrThrow } from './parse-url';
import { createDatabase, migrateToLatest, type DatabaseHandle } from '../../src/platform/db';
import type { DatabaseTarget } from '../../src/config';

const inCi = process.env.CI === 'true' || process.env.CI === '1';

export type DatabaseKind = 'sqlite' | 'postgres';

export interface TestDatabase {
  kind: DatabaseKind;
  /** A DATABASE_URL for this test file alone (own SQLite file or own Postgres schema). */
  url: string;
  target: DatabaseTarget;
  /** Opens a migrated handle on it (closed by cleanup()). */
  open(): Promise<DatabaseHandle>;
  cleanup(): Promise<void>;
}

function missing(name: string): string {
  return `${name} is not set: start the services with \`eval "$(scripts/services.sh)"\``;
}

/** The database kinds this run covers, with a reason for each skipped one. */
export function databaseKinds(): { kind: DatabaseKind; skip?: string }[] {
  const kinds: { kind: DatabaseKind; skip?: string }[] = [{ kind: 'sqlite' }];
  if (process.env.TEST_DATABASE_URL) kinds.push({ kind: 'postgres' });
  else if (inCi) throw new Error(`CI=true but ${missing('TEST_DATABASE_URL')}`);
  else kinds.push({ kind: 'postgres', skip: missing('TEST_DATABASE_URL') });
  return kinds;
}

export function redisUrlOrSkip(): { url?: string; skip?: string } {
  const url = process.env.TEST_REDIS_URL;
  if (url) return { url };
  if (inCi) throw new Error(`CI=true but ${missing('TEST_REDIS_URL')}`);
  return { skip: missing('TEST_REDIS_URL') };
}

export function postgresUrlOrSkip(): { url?: string; skip?: string } {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return { url };
  if (inCi) throw new Error(`CI=true but ${missing('TEST_DATABASE_URL')}`);
  return { skip: missing('TEST_DATABASE_URL') };
}

/**
 * Runs a describe block once per database kind. Skipped kinds show up as a skipped block whose
 * title says why, so a laptop run without Postgres is visibly partial.
 */
export function describeEachDatabase(title: string, body: (kind: DatabaseKind) => void): void {
  for (const { kind, skip } of databaseKinds()) {
    if (skip) describe.skip(`${title} [${kind}: skipped, ${skip}]`, () => body(kind));
    else describe(`${title} [${kind}]`, () => body(kind));
  }
}

/** A fresh, empty database of the given kind for one test file. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const handles: DatabaseHandle[] = [];
  const closeAll = async () => {
    await Promise.all(handles.map((h) => h.close()));
  };
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'catalynx-test-'));
    const url = `sqlite://${join(dir, 'test.db')}`;
    const target = parseDatabaseUrlOrThrow(url);
    return {
      kind,
      url,
      target,
      async open() {
        const h = createDatabase(target);
        handles.push(h);
        await migrateToLatest(h);
        return h;
      },
      async cleanup() {
        await closeAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error(missing('TEST_DATABASE_URL'));
  const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  const url = u.toString();
  const target = parseDatabaseUrlOrThrow(url);
  return {
    kind,
    url,
    target,
    async open() {
      const h = createDatabase(target, { poolSize: 5 });
      handles.push(h);
      // Other suites create and drop their schemas meanwhile; migrateToLatest copes with that.
      await migrateToLatest(h);
      return h;
    },
    async cleanup() {
      await closeAll();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}
