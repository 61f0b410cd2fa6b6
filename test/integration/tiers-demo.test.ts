// `npm run demo` (the built dist/src/cli/demo.js) as a user runs it: a real process, from any folder,
// that prints the standard tier's report and leaves nothing behind. Run `npm run build` first.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/processes';

jest.setTimeout(120_000);

const DEMO = join(ROOT, 'dist', 'src', 'cli', 'demo.js');

function runDemo(env: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO], { cwd, env: { PATH: process.env.PATH, NODE_ENV: 'test', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run demo', () => {
  let scratch: string;
  let temp: string;

  beforeAll(() => {
    if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: run \`npm run build\` first`);
  });
  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'catalynx-demo-test-'));
    // The demo's own temporary database goes under TMPDIR, so the test can see it is removed.
    temp = join(scratch, 'tmp');
    mkdirSync(temp);
  });
  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('prints the standard tier report (matches, network paths, timeline) as plain text and exits 0', async () => {
    const { code, stdout, stderr } = await runDemo({ TMPDIR: temp }, scratch);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const section of ['"standard" intelligence tier', 'Top matches', 'Network links from 847197457', 'Run timeline', 'Steps']) {
      expect(stdout).toContain(section);
    }
    expect(stdout).toContain('Families First of Norfolk (EIN 847197457)');
    expect(stdout).toMatch(/deterministic fallback \(no_ai_endpoint\)/);
    // A top match row: rank, score, a 9-digit EIN; a path row starts at the profile's EIN.
    expect(stdout).toMatch(/^ {2}1 +\d{1,3} +\d{9} /m);
    expect(stdout).toMatch(/847197457 -> \d{9} \(/);
    for (const event of ['SagaStarted', 'StepStarted', 'StepCompleted', 'SagaCompleted']) expect(stdout).toContain(event);
    expect(stdout).not.toContain('\u001b[');
    expect(readdirSync(temp)).toEqual([]);
  });

  it('exits 1 with the reason when the tier run fails, and still cleans up', async () => {
    const { code, stdout, stderr } = await runDemo({ TMPDIR: temp, BMF_DATA_PATH: join(scratch, 'no-such-bmf') }, scratch);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^demo failed: the standard run \S+ ended compensated: step filter failed: .*BMF_DATA_PATH/);
    expect(readdirSync(temp)).toEqual([]);
  });
});
