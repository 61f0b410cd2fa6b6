// Test helper: a DATABASE_URL string to a DatabaseTarget, throwing on a bad one.

import type { DatabaseTarget } from '../../src/config';
import { parseDatabaseUrl } from '../../src/config/database-url';

export function parseDatabaseUrlOrThrow(url: string): DatabaseTarget {
  const parsed = parseDatabaseUrl(url);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}
