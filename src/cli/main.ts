#!/usr/bin/env node
// `catalynx`: the operator's command line. Dispatches to one command group per file; API commands
// speak to the REST API, `migrate` and `keys` open the database directly.
//
// Exit codes (exit-codes.ts): 0 ok, 1 failure, 2 usage error, 3 cannot reach the API / database.
// Machine output (--json) goes to stdout only; errors and diagnostics go to stderr.

import { agentsCommand } from './agents-command';
import { readCliEnvironment } from './cli-env';
import { ApiError, UsageError } from './cli-errors';
import type { CliIo } from './cli-io';
import type { CommandContext, CommandGroup } from './command-context';
import { createDemoCommand } from './demo-command';
import { ExitCode, exitCodeFor } from './exit-codes';
import { keysCommand } from './keys-command';
import { migrateCommand } from './migrate-command';
import { tasksCommand } from './tasks-command';
import { workflowsCommand } from './workflows-command';

export function commandGroups(): CommandGroup[] {
  return [migrateCommand, keysCommand, agentsCommand, tasksCommand, workflowsCommand, createDemoCommand()];
}

function overview(groups: readonly CommandGroup[]): string {
  const width = Math.max(...groups.map((g) => g.name.length));
  return `catalynx: operate a Catalynx platform

usage: catalynx <command> <subcommand> [options]

commands:
${groups.map((g) => `  ${g.name.padEnd(width)}  ${g.summary}`).join('\n')}

API commands (agents, tasks, workflows) talk to $CATALYNX_URL (default http://127.0.0.1:3000)
with the key in $CATALYNX_API_KEY; --url and --key override them. migrate and keys use
DATABASE_URL. --json prints machine-readable JSON on stdout; errors always go to stderr.

exit codes: 0 ok, 1 failure (API error, task or run failed), 2 usage error,
            3 cannot reach the API or the database

\`catalynx <command> --help\` shows a command's usage.`;
}

const wantsHelp = (argv: readonly string[]) => {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
};

/** Runs one command line; returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], ctx: CommandContext, groups: readonly CommandGroup[] = commandGroups()): Promise<number> {
  const err = (line: string) => ctx.io.stderr.write(`${line}\n`);
  const [name, ...rest] = argv;
  if (name === undefined) {
    err(overview(groups));
    return ExitCode.usage;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const group = groups.find((g) => g.name === rest[0]);
    ctx.io.stdout.write(`${group ? group.help : overview(groups)}\n`);
    return ExitCode.ok;
  }
  const group = groups.find((g) => g.name === name);
  if (!group) {
    err(`catalynx: unknown command "${name}"\n\n${overview(groups)}`);
    return ExitCode.usage;
  }
  if (!group.handlesHelp && wantsHelp(rest)) {
    ctx.io.stdout.write(`${group.help}\n`);
    return ExitCode.ok;
  }
  try {
    return await group.run(rest, ctx);
  } catch (e) {
    const code = exitCodeFor(e);
    if (e instanceof UsageError) err(`catalynx ${name}: ${e.message}\n\n${group.help}`);
    else if (e instanceof ApiError) err(`catalynx ${name}: ${e.request.method} ${e.request.path} failed: ${e.status} ${e.code}: ${e.message}${keyHint(e, rest, ctx)}`);
    else if (isBug(e)) err(`catalynx ${name}: unexpected error: ${e.stack ?? e.message}`);
    else err(`catalynx ${name}: ${e instanceof Error ? e.message : String(e)}`);
    return code;
  }
}

/** A 401 without any key given says where a key goes. */
function keyHint(e: InstanceType<typeof ApiError>, argv: readonly string[], ctx: CommandContext): string {
  const keyGiven = Boolean(ctx.env.apiKey) || argv.some((a) => a === '--key' || a.startsWith('--key='));
  return e.status === 401 && !keyGiven ? ' (no API key given: pass --key or set CATALYNX_API_KEY)' : '';
}

/** A bug rather than a condition the CLI reports on purpose: worth its stack trace. */
function isBug(e: unknown): e is Error {
  return e instanceof TypeError || e instanceof ReferenceError || e instanceof RangeError || e instanceof SyntaxError;
}

function realIo(): CliIo {
  return {
    stdout: { write: (t) => void process.stdout.write(t), isTty: Boolean(process.stdout.isTTY), columns: process.stdout.columns },
    stderr: { write: (t) => void process.stderr.write(t), isTty: Boolean(process.stderr.isTTY), columns: process.stderr.columns },
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

async function main(): Promise<void> {
  const io = realIo();
  let code: number;
  try {
    code = await runCli(process.argv.slice(2), { io, env: readCliEnvironment() });
  } catch (e) {
    // readCliEnvironment can fail on an unreadable .env file; runCli itself never throws.
    process.stderr.write(`catalynx: ${e instanceof Error ? e.message : String(e)}\n`);
    code = ExitCode.failure;
  }
  // Exit explicitly: fetch keeps idle sockets alive for a few seconds after the last request.
  // Waiting for stdout to drain first keeps piped JSON whole.
  process.stdout.write('', () => process.exit(code));
}

if (require.main === module) void main();
