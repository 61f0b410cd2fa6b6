// Parses one subcommand's arguments (node:util parseArgs, strict) plus the flags every API
// command takes, turning parse failures into UsageError (exit 2).

import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-errors';

type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Flags every API command accepts. */
export const API_OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

export const API_OPTIONS_HELP = `common options:
  --url <url>    API base URL (default: $CATALYNX_URL, else http://127.0.0.1:3000)
  --key <key>    API key (default: $CATALYNX_API_KEY)
  --json         machine-readable JSON on stdout
  -h, --help     this help`;

export interface ParsedCommand<V> {
  values: V;
  positionals: string[];
}

export function parseCommandArgs<const O extends OptionSpecs>(argv: readonly string[], options: O) {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    return { values, positionals };
  } catch (err) {
    // parseArgs throws TypeErrors coded ERR_PARSE_ARGS_* for unknown flags and missing values.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message);
    throw err;
  }
}

/** Exactly `count` positional arguments, named in the message when missing or extra. */
export function expectPositionals(positionals: readonly string[], names: readonly string[]): string[] {
  if (positionals.length < names.length) throw new UsageError(`missing <${names[positionals.length]}>`);
  if (positionals.length > names.length) throw new UsageError(`unexpected argument "${positionals[names.length]}"`);
  return [...positionals];
}

/** A JSON value from a flag: inline JSON, or `@path` to read it from a file. */
export function parseJsonFlag(flag: string, raw: string): unknown {
  if (raw.startsWith('@')) return readJsonFile(flag, raw.slice(1));
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new UsageError(`${flag} is not valid JSON: ${(err as Error).message}`);
  }
}

/** A JSON document read from a file named on the command line. */
export function readJsonFile(flag: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`${flag}: ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** A positive number of seconds from a flag. */
export function parseSecondsFlag(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number of seconds, got "${raw}"`);
  return n;
}
