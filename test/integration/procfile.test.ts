// Each Procfile line started exactly as a Procfile runner starts it (`sh -c "<command>"`, as foreman
// and honcho do; Heroku uses bash -c) stops with exit 0 after a graceful shutdown when SIGTERM goes
// to that process alone, and when it goes to the whole process group (as Heroku does to a dyno).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/processes';
import { waitUntil } from '../support/wait';

interface Started {
  pid: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function procfile(): Map<string, string> {
  const lines = readFileSync(join(ROOT, 'Procfile'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  return new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]));
}

/** Starts a Procfile command the way a runner does: through a shell, in its own process group. */
function startLine(command: string, env: Record<string, string>): Started {
  const child = spawn('sh', ['-c', command], { cwd: ROOT, env: { PATH: process.env.PATH, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { pid: child.pid!, output: () => out, exited };
}

const readyLog: Record<string, string> = { web: 'web listening', worker: 'worker started', scheduler: 'scheduler started' };

describe('Procfile', () => {
  let dir: string;
  let env: Record<string, string>;
  const lines = procfile();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalynx-procfile-'));
    env = { DATABASE_URL: `sqlite://${join(dir, 'procfile.db')}`, PORT: '0', HOST: '127.0.0.1' };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('declares release, web, worker and scheduler, each running its compiled entrypoint with node', () => {
    expect([...lines.keys()].sort()).toEqual(['release', 'scheduler', 'web', 'worker']);
    for (const [name, command] of lines) {
      const entry = name === 'release' ? 'migrate' : name;
      expect(command).toBe(`exec node dist/src/processes/${entry}.js`);
    }
  });

  it('release applies the migrations and exits 0', async () => {
    const release = startLine(lines.get('release')!, env);
    expect(await release.exited).toEqual({ code: 0, signal: null });
    expect(release.output()).toContain('migrations applied');
  });

  for (const name of ['web', 'worker', 'scheduler']) {
    it(`${name}: SIGTERM to the started process alone ends it with exit 0 after a graceful shutdown`, async () => {
      const p = startLine(lines.get(name)!, env);
      await waitUntil(() => p.output().includes(readyLog[name]), { timeoutMs: 20_000, what: `${name} to start` });
      // `exec` replaced the shell: the process the runner started is node itself.
      expect(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0')[0]).toMatch(/node$/);
      process.kill(p.pid, 'SIGTERM');
      expect(await p.exited).toEqual({ code: 0, signal: null });
      expect(p.output()).toMatch(/shutdown complete|stopped/i);
    });
  }

  it('web: SIGTERM to the whole process group (Heroku stopping a dyno) also ends it with exit 0', async () => {
    const p = startLine(lines.get('web')!, env);
    await waitUntil(() => p.output().includes('web listening'), { timeoutMs: 20_000, what: 'web to start' });
    process.kill(-p.pid, 'SIGTERM');
    expect(await p.exited).toEqual({ code: 0, signal: null });
  });
});
