// Parses DATABASE_URL into the database target: sqlite://<path>, sqlite://:memory:, postgres://...

import type { DatabaseTarget } from './config';
import type { Parsed } from './env-parsers';

export function parseDatabaseUrl(raw: string): Parsed<DatabaseTarget> {
  const value = raw.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') {
    // sqlite://./data/catalynx.db, sqlite:///abs/path.db, sqlite://:memory:
    const filename = value.replace(/^sqlite:(\/\/)?/i, '');
    if (!filename) return { ok: false, message: 'a sqlite URL needs a path, e.g. sqlite://./data/catalynx.db' };
    return { ok: true, value: { kind: 'sqlite', url: value, filename } };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    try {
      const u = new URL(value);
      if (!u.hostname) throw new Error('no host');
    } catch {
      return { ok: false, message: `not a valid postgres URL: "${value}"` };
    }
    return { ok: true, value: { kind: 'postgres', url: value } };
  }
  return {
    ok: false,
    message: `unsupported scheme "${scheme ?? value}" (expected sqlite://<path>, sqlite://:memory: or postgres://user@host:5432/db)`,
  };
}
