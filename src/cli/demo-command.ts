// `catalynx demo`: runs the guided demo (dist/src/cli/demo.js, built beside this file) as a child
// process with the same arguments, environment and terminal; says so when this build has none.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CommandFailedError } from './cli-errors';
import { printLine } from './cli-io';
import type { CommandGroup } from './command-context';
import { ExitCode } from './exit-codes';

export function createDemoCommand(opts: { script?: string } = {}): CommandGroup {
  const script = opts.script ?? join(__dirname, 'demo.js');
  const help = `usage:
  catalynx demo [options passed to the demo]

Runs ${script}; its options and exit codes are its own (\`catalynx demo --help\` asks it).`;
  return {
    name: 'demo',
    summary: 'run the guided demo against a running platform',
    help,
    handlesHelp: true,
    async run(argv, ctx) {
      if (!existsSync(script)) {
        if (argv.includes('--help') || argv.includes('-h')) {
          printLine(ctx.io, help);
          return ExitCode.ok;
        }
        throw new CommandFailedError(`the demo is not available in this build (${script} does not exist)`);
      }
      // The child inherits the environment (CATALYNX_URL, CATALYNX_API_KEY) and the terminal.
      const child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit' });
      return new Promise<number>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + signalNumber(signal) : 1)));
      });
    },
  };
}

function signalNumber(signal: NodeJS.Signals): number {
  return { SIGINT: 2, SIGTERM: 15, SIGKILL: 9 }[signal as string] ?? 1;
}
