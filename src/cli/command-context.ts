// What every command receives from main.ts: its I/O and the CLI environment, plus the API client
// (the package's typed client) built from `--url`/`--key` falling back to CATALYNX_URL/CATALYNX_API_KEY.

import { ClientOptionsError, createCatalynxClient, type CatalynxClient } from '../client';
import type { CliEnvironment } from './cli-env';
import { UsageError } from './cli-errors';
import type { CliIo } from './cli-io';

export interface CommandContext {
  io: CliIo;
  env: CliEnvironment;
}

export function apiClientFor(ctx: CommandContext, flags: { url?: string; key?: string }): CatalynxClient {
  try {
    return createCatalynxClient({ baseUrl: flags.url ?? ctx.env.apiUrl, apiKey: flags.key ?? ctx.env.apiKey });
  } catch (err) {
    if (err instanceof ClientOptionsError) throw new UsageError(err.message);
    throw err;
  }
}

/** A command group: its help text and its runner (returns the exit code, or throws a CLI error). */
export interface CommandGroup {
  name: string;
  summary: string;
  help: string;
  /** The group reads `--help` itself (demo forwards it); otherwise main.ts prints `help`. */
  handlesHelp?: boolean;
  run(argv: readonly string[], ctx: CommandContext): Promise<number>;
}
