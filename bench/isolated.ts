// Runs one measurement in a fresh Node process, so products never share a heap, a JIT profile or
// process-wide hooks (Catalynx's cls-hooked context installs async hooks that never go away).

import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { IsolatedTaskName } from './isolated-tasks';

export class IsolatedRunError extends Error {
  constructor(readonly task: string, message: string) {
    super(`${task}: ${message}`);
    this.name = 'IsolatedRunError';
  }
}

type ChildReply = { ok: true; result: Record<string, number> } | { ok: false; error: string };

export function runIsolated(task: IsolatedTaskName, args: Record<string, unknown>, opts: { execArgv?: string[] } = {}): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'isolated-child.js'), [], {
      execArgv: opts.execArgv ?? [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let reply: ChildReply | undefined;
    child.on('message', (m) => {
      reply = m as ChildReply;
    });
    child.on('error', (err) => reject(new IsolatedRunError(task, err.message)));
    child.on('exit', (code) => {
      if (reply?.ok) resolve(reply.result);
      else reject(new IsolatedRunError(task, reply && !reply.ok ? reply.error : `child exited with code ${code} and no result`));
    });
    child.send({ task, args });
  });
}
