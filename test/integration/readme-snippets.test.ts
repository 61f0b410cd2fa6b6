// The README's "Write an agent" and "Call Catalynx from code" snippets are real: each is type-checked
// against the package's public surface, compiled, and run as its own process against a real web +
// worker, importing `catalynx/agent-sdk` and `catalynx/client` through the package's exports map.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { createCatalynxClient } from '../../src/client';
import { startInProcessStack, TEST_ADMIN_KEY, type InProcessStack } from '../support/in-process';
import { ROOT } from '../support/processes';
import { createTestDatabase, type TestDatabase } from '../support/services';
import { waitUntil } from '../support/wait';

/** The first ```ts block under the `## <heading>` of the README. */
function snippetUnder(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start === -1) throw new Error(`README has no "## ${heading}" section`);
  const section = readme.slice(start + 1).split(/\n## /)[0];
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error(`README section "${heading}" has no ts code block`);
  return m[1];
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
  typeRoots: [join(ROOT, 'node_modules', '@types')],
  baseUrl: ROOT,
  paths: { 'catalynx/client': ['src/client/index.ts'], 'catalynx/agent-sdk': ['src/agent-sdk/index.ts'] },
};

/** Type-checks the snippet as a user's file would be; returns the compiler's complaints. */
function typeErrors(file: string): string[] {
  const program = ts.createProgram([file], COMPILER_OPTIONS);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file || d.file === undefined)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

interface Ran {
  pid: number;
  output(): string;
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

function runNode(file: string, cwd: string, env: Record<string, string>): Ran {
  const child = spawn(process.execPath, [file], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  return {
    pid: child.pid!,
    output: () => out,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    kill: (signal) => void child.kill(signal),
  };
}

describe('README snippets', () => {
  let db: TestDatabase;
  let stack: InProcessStack;
  let dir: string;
  const started: Ran[] = [];

  /** Writes the snippet as a user's project would hold it, checks and compiles it; returns the .js path. */
  function prepare(name: string, source: string): string {
    const tsFile = join(dir, `${name}.ts`);
    writeFileSync(tsFile, source);
    expect(typeErrors(tsFile)).toEqual([]);
    const js = ts.transpileModule(source, { compilerOptions: { ...COMPILER_OPTIONS, noEmit: false } }).outputText;
    const jsFile = join(dir, `${name}.js`);
    writeFileSync(jsFile, js);
    return jsFile;
  }

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await (await db.open()).close();
    stack = await startInProcessStack({ DATABASE_URL: db.url, WORKER_POLL_INTERVAL_MS: '50', RATE_LIMIT_REQUESTS: '100000' });
    dir = mkdtempSync(join(tmpdir(), 'catalynx-readme-'));
    // The snippets import the package by name: node_modules/catalynx is this repository (built).
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'catalynx'), 'dir');
  });
  afterAll(async () => {
    for (const p of started) p.kill('SIGKILL');
    await stack?.stop();
    await db?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('"Write an agent": the agent registers itself, runs a task, and stops with exit 0 on SIGTERM', async () => {
    const file = prepare('agent', snippetUnder('Write an agent'));
    const agent = runNode(file, dir, { PORT: '0', CATALYNX_URL: stack.url, CATALYNX_API_KEY: TEST_ADMIN_KEY });
    started.push(agent);
    const api = createCatalynxClient({ baseUrl: stack.url, apiKey: TEST_ADMIN_KEY });
    await waitUntil(() => api.agents.get('greeter').then((a) => a.runtime === 'http'), { timeoutMs: 20_000, what: `the agent to register; output: ${agent.output()}` });
    const { task_id } = await api.tasks.execute('greeter', { action: 'greet', input: { name: 'Ada' } });
    expect(await api.tasks.waitFor(task_id, { timeoutMs: 20_000 })).toMatchObject({ status: 'succeeded', result: { greeting: 'Hello, Ada!' } });
    const refused = await api.tasks.execute('greeter', { action: 'greet', input: {}, max_attempts: 3 });
    expect(await api.tasks.waitFor(refused.task_id, { timeoutMs: 20_000 })).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringContaining('input.name is required') });
    agent.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  });

  it('"Call Catalynx from code": runs a task to its end and types an error answer', async () => {
    const file = prepare('client', snippetUnder('Call Catalynx from code'));
    const script = runNode(file, dir, { CATALYNX_URL: stack.url, CATALYNX_API_KEY: TEST_ADMIN_KEY });
    started.push(script);
    expect(await script.exited).toBe(0);
    expect(script.output().trim().split('\n')).toEqual(['succeeded {"echo":{"hello":"world"}}', '404 not_found']);
  });
});
