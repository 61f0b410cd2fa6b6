// `catalynx keys create|list|revoke`: API keys straight in the database (DATABASE_URL), through the
// parser and runner of keys.ts so both entrypoints behave the same.

import { createApiKeyStore } from '../modules/gateway/api-key-store';
import { SCOPES } from '../modules/gateway/scopes';
import { assertSchemaCurrent } from '../platform/db';
import { printLine } from './cli-io';
import type { CommandGroup } from './command-context';
import { withDatabase } from './database-session';
import { parseKeysArgs, runKeysCommand } from './keys';

const HELP = `usage:
  catalynx keys create --name <name> --scopes <scope,...> [--json]
  catalynx keys list [--json]
  catalynx keys revoke <id> [--json]

Works on the database named by DATABASE_URL (run \`catalynx migrate\` first). The created key is
printed once; only its hash is stored. scopes: ${SCOPES.join(', ')}
Exit codes: 0 done, 1 failure (unknown id, schema behind), 2 usage error, 3 database unreachable.`;

export const keysCommand: CommandGroup = {
  name: 'keys',
  summary: 'create, list and revoke API keys (DATABASE_URL)',
  help: HELP,
  async run(argv, ctx) {
    const args = parseKeysArgs(argv);
    return withDatabase(ctx.env.platform, async (database) => {
      await assertSchemaCurrent(database);
      return runKeysCommand(args, createApiKeyStore(database), (line) => printLine(ctx.io, line));
    });
  },
};
