// `catalynx migrate`: applies pending migrations to the database named by DATABASE_URL (what the
// release phase's src/processes/migrate.ts does, without starting the platform).

import { migrateToLatest } from '../platform/db';
import { printJson, printLine } from './cli-io';
import { expectPositionals, parseCommandArgs } from './command-args';
import type { CommandGroup } from './command-context';
import { withDatabase } from './database-session';
import { ExitCode } from './exit-codes';

const HELP = `usage:
  catalynx migrate [--json]

Applies every pending migration to the database named by DATABASE_URL (default
sqlite://./data/catalynx.db). Safe to run again: an up-to-date schema is left alone.
Exit codes: 0 done, 1 a migration failed, 3 the database cannot be reached.`;

export const migrateCommand: CommandGroup = {
  name: 'migrate',
  summary: 'apply pending database migrations (DATABASE_URL)',
  help: HELP,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
    expectPositionals(positionals, []);
    const applied = await withDatabase(ctx.env.platform, (database) => migrateToLatest(database));
    if (values.json) printJson(ctx.io, { applied });
    else if (applied.length === 0) printLine(ctx.io, 'schema already current');
    else printLine(ctx.io, `applied ${applied.length} migration(s): ${applied.join(', ')}`);
    return ExitCode.ok;
  },
};
