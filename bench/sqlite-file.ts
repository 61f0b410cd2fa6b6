// A fresh, migrated SQLite file in os.tmpdir() (same pragmas as Catalynx: WAL, synchronous=NORMAL).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, migrateToLatest } from '../src/platform/db';

export interface BenchSqliteFile {
  filename: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates the file and applies Catalynx's migrations, so raw baselines use the same tables and indexes. */
export async function createBenchSqliteFile(prefix: string): Promise<BenchSqliteFile> {
  const dir = mkdtempSync(join(tmpdir(), `catalynx-bench-${prefix}-`));
  const filename = join(dir, 'bench.db');
  const url = `sqlite://${filename}`;
  const handle = createDatabase({ kind: 'sqlite', url, filename });
  await migrateToLatest(handle);
  await handle.close();
  return {
    filename,
    url,
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
