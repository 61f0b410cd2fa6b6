// `npm run keys -- create|list|revoke`: manages API keys straight in the database named by DATABASE_URL.
//
//   node dist/src/cli/keys.js create --name ci --scopes read,tasks:write [--json]
//   node dist/src/cli/keys.js list [--json]
//   node dist/src/cli/keys.js revoke <id> [--json]
//
// Exit codes: 0 done, 1 failure (bad config, unknown id, database error), 2 usage error.
// The created key is printed once; it is stored only as its SHA-256 hash. A revoke takes
// effect in running web processes within about a second (their lookup cache).

import { ConfigError, loadConfig, readEnvironment } from '../config';
import { assertSchemaCurrent, createDatabase } from '../platform/db';
import { createApiKeyStore, type ApiKeyStore } from '../modules/gateway/api-key-store';
import { toApiKeyView } from '../modules/gateway/key-routes';
import { isScope, SCOPES } from '../modules/gateway/scopes';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const USAGE = `usage:
  keys create --name <name> --scopes <scope,...> [--json]
  keys list [--json]
  keys revoke <id> [--json]
scopes: ${SCOPES.join(', ')}`;

export interface ParsedArgs {
  command: 'create' | 'list' | 'revoke';
  name?: string;
  scopes?: string[];
  id?: string;
  json: boolean;
}

export function parseKeysArgs(argv: readonly string[]): ParsedArgs {
  const [command, ...rest] = argv;
  if (command !== 'create' && command !== 'list' && command !== 'revoke') throw new UsageError(`unknown command "${command ?? ''}"`);
  const parsed: ParsedArgs = { command, json: false };
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => {
      const v = inline ?? rest[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--json') parsed.json = true;
    else if (flag === '--name') parsed.name = value().trim();
    else if (flag === '--scopes') parsed.scopes = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (flag!.startsWith('--')) throw new UsageError(`unknown option ${flag}`);
    else positional.push(arg);
  }
  if (command === 'create') {
    if (!parsed.name) throw new UsageError('create needs --name');
    if (!parsed.scopes?.length) throw new UsageError('create needs --scopes');
    const bad = parsed.scopes.filter((s) => !isScope(s));
    if (bad.length) throw new UsageError(`unknown scope(s): ${bad.join(', ')}`);
  }
  if (command === 'revoke') {
    if (positional.length !== 1) throw new UsageError('revoke needs exactly one key id');
    parsed.id = positional[0];
  } else if (positional.length) {
    throw new UsageError(`unexpected argument ${positional[0]}`);
  }
  return parsed;
}

/** Runs one command; returns the exit code. Output goes through `out`. */
export async function runKeysCommand(args: ParsedArgs, store: ApiKeyStore, out: (line: string) => void): Promise<number> {
  switch (args.command) {
    case 'create': {
      const created = await store.create({ name: args.name!, scopes: args.scopes! });
      const view = { ...toApiKeyView(created), key: created.key };
      if (args.json) out(JSON.stringify(view));
      else {
        out(`created key ${view.id} (${view.name}; scopes: ${view.scopes.join(',')})`);
        out(`key (shown once, store it now): ${created.key}`);
      }
      return 0;
    }
    case 'list': {
      const keys = (await store.list()).map(toApiKeyView);
      if (args.json) out(JSON.stringify(keys));
      else if (keys.length === 0) out('no keys');
      else
        for (const k of keys) {
          out(`${k.id}  ${k.prefix}…  ${k.name}  [${k.scopes.join(',')}]  ${k.revoked_at ? `revoked ${k.revoked_at}` : 'active'}  last used ${k.last_used_at ?? 'never'}`);
        }
      return 0;
    }
    case 'revoke': {
      const revoked = await store.revoke(args.id!);
      if (args.json) out(JSON.stringify({ id: args.id, revoked }));
      else out(revoked ? `revoked key ${args.id}` : `no active key with id ${args.id}`);
      return revoked ? 0 : 1;
    }
  }
}

async function main(): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseKeysArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`keys: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  let config;
  try {
    config = loadConfig(readEnvironment());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`keys: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const database = createDatabase(config.database);
  try {
    await assertSchemaCurrent(database);
    return await runKeysCommand(args, createApiKeyStore(database), (line) => process.stdout.write(`${line}\n`));
  } catch (err) {
    process.stderr.write(`keys: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await database.close();
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
