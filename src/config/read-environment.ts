// The only place that reads process.env (and, in development, a local .env file).

import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import type { Environment } from './load-config';

/**
 * Returns the process environment, with variables from `.env` filled in when NODE_ENV is
 * unset or "development". Real environment variables always win over the file, and the
 * file is never read in production or test, so deploys depend on the environment alone.
 */
export function readEnvironment(opts: { cwd?: string } = {}): Environment {
  const env: Record<string, string | undefined> = { ...process.env };
  const nodeEnv = env.NODE_ENV ?? 'development';
  const file = `${opts.cwd ?? process.cwd()}/.env`;
  if (nodeEnv === 'development' && existsSync(file)) {
    const fromFile = parseEnv(readFileSync(file, 'utf8'));
    for (const [k, v] of Object.entries(fromFile)) if (env[k] === undefined) env[k] = v;
  }
  return env;
}
