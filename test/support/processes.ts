// Starts the built process entrypoints (dist/) as real OS processes and reads their JSON log lines.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

export interface LogLine {
  level: string;
  message: string;
  [key: string]: unknown;
}

export interface StartedProcess {
  child: ChildProcess;
  lines: LogLine[];
  stdout(): string;
  stderr(): string;
  /** Resolves with the first log line matching, or rejects after timeoutMs. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (signal exits give null code; see `signal`). */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export function startProcess(
  entry: 'web' | 'worker' | 'scheduler' | 'all' | 'migrate' | string,
  env: Record<string, string | undefined>,
  args: string[] = [],
): StartedProcess {
  const script = entry.includes('/') ? join(ROOT, entry) : join(ROOT, 'dist', 'src', 'processes', `${entry}.js`);
  const child = spawn(process.execPath, [script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let pending = '';
  const lines: LogLine[] = [];
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const part of parts) {
      if (!part.trim()) continue;
      let line: LogLine;
      try {
        line = JSON.parse(part) as LogLine;
      } catch {
        line = { level: 'raw', message: part };
      }
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    lines,
    stdout: () => out,
    stderr: () => err,
    waitForLog(match, timeoutMs = 15_000) {
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      return new Promise<LogLine>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`timed out waiting for a log line; stdout:\n${out.slice(-3000)}\nstderr:\n${err.slice(-3000)}`));
        }, timeoutMs);
        waiters.push({
          match,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exit.then(({ code }) => {
          clearTimeout(timer);
          reject(new Error(`process exited (${code}) before the log line; stdout:\n${out.slice(-3000)}\nstderr:\n${err.slice(-3000)}`));
        });
      });
    },
    exited: () => exit,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Starts a web-serving process and resolves with its base URL once it listens. */
export async function startWebProcess(
  entry: 'web' | 'all',
  env: Record<string, string | undefined>,
): Promise<StartedProcess & { url: string }> {
  const p = startProcess(entry, { PORT: '0', HOST: '127.0.0.1', ...env });
  const line = await p.waitForLog((l) => l.message === 'web listening');
  return Object.assign(p, { url: String(line.url) });
}
