// The CLI's one reader of its environment: CATALYNX_URL / CATALYNX_API_KEY for API commands, and the
// platform variables (DATABASE_URL, ...) for the commands that open the database directly.
//
// The CLI is a separate program from the platform processes, so it reads these itself; it still
// goes through config's readEnvironment (the only place that touches process.env, and the one
// that fills in a development .env). No other CLI module reads the environment: main.ts calls
// this once and passes the result down.

import { readEnvironment, type Environment } from '../config';

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

export interface CliEnvironment {
  /** Base URL of the REST API (CATALYNX_URL), before `--url` overrides it. */
  apiUrl: string;
  /** API key (CATALYNX_API_KEY), before `--key` overrides it; undefined when unset. */
  apiKey: string | undefined;
  /** The whole environment, for loadConfig when a command opens the database. */
  platform: Environment;
}

export function readCliEnvironment(): CliEnvironment {
  const env = readEnvironment();
  const url = env.CATALYNX_URL?.trim();
  const key = env.CATALYNX_API_KEY?.trim();
  return { apiUrl: url || DEFAULT_API_URL, apiKey: key || undefined, platform: env };
}
