// The built `catalynx` command run as a real process, the way an operator or a script runs it:
// against an in-process platform for the API commands, and on a temp SQLite file for migrate/keys.
// Needs `npm run build` first (npm test does it).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startInProcessStack, TEST_ADMIN_KEY, type InProcessStack } from '../support/in-process';
import { ROOT } from '../support/processes';
import { createTestDatabase, type TestDatabase } from '../support/services';

jest.setTimeout(60_000);

const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli/main.js ...args` with only the given environment (plus PATH). */
function catalynx(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
});

describe('catalynx against a running platform', () => {
  let db: TestDatabase;
  let stack: InProcessStack;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    await (await db.open()).close();
    stack = await startInProcessStack({
      DATABASE_URL: db.url,
      WORKER_POLL_INTERVAL_MS: '100',
      RATE_LIMIT_REQUESTS: '100000',
      WORKFLOWS_DIR: '/nonexistent/workflows',
    });
    env = { CATALYNX_URL: stack.url, CATALYNX_API_KEY: TEST_ADMIN_KEY };
    const defined = await stack.api('/api/workflows', {
      method: 'POST',
      json: {
        id: 'cli-two-echoes',
        name: 'Two echoes',
        steps: [
          { id: 'first', agent_id: 'echo', action: 'echo', input: { step: 1 }, timeout_seconds: 10 },
          { id: 'second', agent_id: 'echo', action: 'echo', input: { step: 2 }, timeout_seconds: 10 },
        ],
      },
    });
    expect(defined.status).toBe(201);
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.cleanup();
  });

  it('lists agents as a table whose columns line up', async () => {
    const r = await catalynx(['agents', 'list'], env);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const header = lines[0]!;
    expect(header).toMatch(/^ID\s+NAME\s+RUNTIME\s+STATUS\s+VERSION\s+CAPABILITIES\s+CIRCUIT$/);
    const echo = lines.find((l) => l.startsWith('echo '));
    expect(echo).toBeDefined();
    // Every column of the echo row starts under its header.
    expect(echo!.indexOf('builtin')).toBe(header.indexOf('RUNTIME'));
    expect(echo!.indexOf('1.0.0')).toBe(header.indexOf('VERSION'));
    expect(echo!.indexOf('echo,diagnostics')).toBe(header.indexOf('CAPABILITIES'));
  });

  it('lists agents as JSON on stdout alone with --json', async () => {
    const r = await catalynx(['agents', 'list', '--json'], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const body = JSON.parse(r.stdout) as { agents: { id: string }[]; total_count: number };
    expect(body.agents.map((a) => a.id)).toContain('echo');
    expect(body.total_count).toBe(body.agents.length);
  });

  it('registers a remote agent from flags', async () => {
    const r = await catalynx(
      ['agents', 'register', '--id', 'cli-remote', '--name', 'Remote', '--endpoint', 'http://127.0.0.1:9/run', '--version', '2.1', '--capabilities', 'a,b', '--json'],
      env,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'cli-remote', runtime: 'http', version: '2.1', capabilities: ['a', 'b'] });
    const listed = await stack.api('/api/agents/cli-remote');
    expect(listed.status).toBe(200);
  });

  it('submits a task, waits for it and prints the result as JSON (exit 0)', async () => {
    const r = await catalynx(['tasks', 'submit', 'echo', '--action', 'echo', '--input', '{"hello":"cli"}', '--wait', '--json'], env);
    expect(r.code).toBe(0);
    const task = JSON.parse(r.stdout) as { status: string; result: unknown; agent_id: string };
    expect(task).toMatchObject({ status: 'succeeded', agent_id: 'echo', result: { echo: { hello: 'cli' } } });
  });

  it('exits 1 when the task it waits for fails', async () => {
    const r = await catalynx(['tasks', 'submit', 'echo', '--action', 'reject', '--input', '{"message":"no"}', '--wait', '--json'], env);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'failed' });
    expect(r.stderr).toMatch(/failed/);
  });

  it('exits 1 with the API error on stderr for an unknown task', async () => {
    const r = await catalynx(['tasks', 'get', randomUUID(), '--json'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/404 not_found/);
  });

  it.each([
    [['tasks', 'submit', 'echo'], /needs --action/],
    [['tasks', 'frobnicate'], /unknown tasks command/],
    [['agents', 'list', '--bogus'], /bogus/],
    [['tasks', 'submit', 'echo', '--action', 'echo', '--input', '{not json'], /not valid JSON/],
    [['launch'], /unknown command "launch"/],
  ])('exits 2 on bad usage: %j', async (args, message) => {
    const r = await catalynx(args, env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('prints help on stdout with exit 0', async () => {
    const top = await catalynx(['--help'], env);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/workflows/);
    const sub = await catalynx(['workflows', '--help'], env);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/catalynx workflows run <workflow-id>/);
  });

  it('exits 3 when the API cannot be reached', async () => {
    const r = await catalynx(['agents', 'list'], { ...env, CATALYNX_URL: `http://127.0.0.1:${await closedPort()}` });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot reach the API/);
  });

  it('--url overrides CATALYNX_URL', async () => {
    const r = await catalynx(['agents', 'list', '--json', '--url', stack.url], { ...env, CATALYNX_URL: `http://127.0.0.1:${await closedPort()}` });
    expect(r.code).toBe(0);
  });

  it('runs a workflow with --wait, printing each step as plain lines when not on a terminal (exit 0)', async () => {
    const r = await catalynx(['workflows', 'run', 'cli-two-echoes', '--input', '{"n":1}', '--wait'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/step first \(echo\) succeeded/);
    expect(r.stdout).toMatch(/step second \(echo\) succeeded/);
    expect(r.stdout).toMatch(/run \S+ completed/);
    // Not a terminal: no carriage returns or escape sequences in the log.
    expect(r.stdout).not.toMatch(/[\r\x1b]/);
  });

  it('runs a workflow with --wait --json: the run on stdout, progress on stderr', async () => {
    const r = await catalynx(['workflows', 'run', 'cli-two-echoes', '--wait', '--json'], env);
    expect(r.code).toBe(0);
    const run = JSON.parse(r.stdout) as { id: string; status: string; steps: { id: string; status: string }[] };
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['first', 'succeeded'],
      ['second', 'succeeded'],
    ]);
    expect(r.stderr).toMatch(/step second \(echo\) succeeded/);

    const status = await catalynx(['workflows', 'status', run.id], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/status:\s+completed/);
  });
});

describe('catalynx migrate and keys on a database', () => {
  let dir: string;
  let env: Record<string, string>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'catalynx-cli-'));
    env = { DATABASE_URL: `sqlite://${join(dir, 'cli.db')}` };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('migrates, then creates, lists and revokes a key', async () => {
    const migrated = await catalynx(['migrate'], env);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/applied \d+ migration/);
    const again = await catalynx(['migrate', '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ applied: [] });

    const created = await catalynx(['keys', 'create', '--name', 'ci', '--scopes', 'read,tasks:write', '--json'], env);
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout) as { id: string; key: string; scopes: string[] };
    expect(key.key).toMatch(/^cx_/);
    expect(key.scopes).toEqual(['read', 'tasks:write']);

    const listed = await catalynx(['keys', 'list', '--json'], env);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: key.id, name: 'ci', revoked_at: null })]);

    const revoked = await catalynx(['keys', 'revoke', key.id], env);
    expect(revoked.code).toBe(0);
    const after = JSON.parse((await catalynx(['keys', 'list', '--json'], env)).stdout) as { id: string; revoked_at: string | null }[];
    expect(after[0]!.revoked_at).not.toBeNull();
    // Revoking it again has nothing to revoke: a failure a script can see.
    expect((await catalynx(['keys', 'revoke', key.id], env)).code).toBe(1);
  });

  it('exits 2 on a bad keys command line', async () => {
    const r = await catalynx(['keys', 'create', '--name', 'x', '--scopes', 'nonsense'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown scope/);
  });

  it('exits 3 when the database cannot be reached, without printing its password', async () => {
    const r = await catalynx(['migrate'], { DATABASE_URL: `postgres://catalynx:s3cret@127.0.0.1:${await closedPort()}/catalynx` });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot reach the database/);
    expect(r.stderr).not.toMatch(/s3cret/);
  });
});
