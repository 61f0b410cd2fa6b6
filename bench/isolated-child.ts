// The child process side of runIsolated: runs one named task, sends its numbers back, exits.

import { BenchSetupError } from './bench-errors';
import { readBenchEnv } from './bench-env';
import { ISOLATED_TASKS, type IsolatedTask, type IsolatedTaskName } from './isolated-tasks';

process.once('message', (message) => {
  const { task, args } = message as { task: IsolatedTaskName; args: Record<string, unknown> };
  const run: IsolatedTask | undefined = ISOLATED_TASKS[task];
  Promise.resolve()
    .then((): Promise<Record<string, number>> => {
      if (!run) throw new BenchSetupError(`unknown isolated task "${task}"`);
      return run(args, readBenchEnv());
    })
    .then(
      (result) => process.send!({ ok: true, result }, () => process.exit(0)),
      (err: unknown) =>
        process.send!({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }, () => process.exit(0)),
    );
});
