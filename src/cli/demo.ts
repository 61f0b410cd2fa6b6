// `npm run demo`: runs the whole platform in this process on a throw-away SQLite database, sends a
// sample grant seeker's profile through the `standard` intelligence tier over the REST API, and
// prints the report (top matches, board-network paths, the run's timeline).
//
//   node dist/src/cli/demo.js
//
// Nothing external is started or needed: no Redis, no AI endpoint (scores then come from the
// deterministic fallback and the report says so). The database lives in a folder under the OS
// temp dir, removed at the end. Exit codes: 0 report printed, 1 failure (message on stderr), 2 usage.
// BMF_DATA_PATH, BOARD_MEMBERS_PATH, WORKFLOWS_DIR, FEATURE_FLAGS_PATH and AI_* are honoured when set;
// otherwise the shipped samples, workflows and flags of this package are used, wherever it is run from.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError, loadConfig, readEnvironment, type Environment } from '../config';
import { IntelligenceReportSchema } from '../modules/intelligence/intelligence-report';
import type { Profile } from '../modules/profiles/profile';
import type { RunView } from '../modules/workflows/workflow-run';
import { CatalynxApiError, createCatalynxClient, FINAL_RUN_STATUSES, type CatalynxClient } from '../client';
import { handleSignals } from '../platform/lifecycle';
import { migrateToLatest } from '../platform/db';
import { createPlatform, type Platform } from '../processes/platform';
import { buildServices, initializeServices } from '../processes/services';
import { startScheduler } from '../processes/start-scheduler';
import { startWeb } from '../processes/start-web';
import { startWorker } from '../processes/start-worker';
import { formatDemoReport, type DemoOutcome } from './demo-report-text';

/**
 * A grant seeker from the shipped sample: Families First of Norfolk (data-samples: EIN 847197457,
 * VA, NTEE P40) looks for grantmakers (T) and health funders (E) in Virginia and Maryland. Its
 * board shares members with several matches, so the network section has paths to show.
 */
export const DEMO_PROFILE = {
  name: 'Family health grants 2027',
  organization: 'Families First of Norfolk',
  ein: '847197457',
  mission: 'Home visiting, parenting support and family health services for families in Hampton Roads',
  focus_areas: ['T', 'E'],
  states: ['VA', 'MD'],
  revenue_min: 50_000,
  revenue_max: 2_000_000_000,
};

export const DEMO_TIER = 'standard';

/** Variables the demo takes from the environment; everything else is fixed for a self-contained run. */
const PASSED_THROUGH = ['BMF_DATA_PATH', 'BOARD_MEMBERS_PATH', 'WORKFLOWS_DIR', 'FEATURE_FLAGS_PATH', 'AI_BASE_URL', 'AI_API_KEY', 'AI_MODEL', 'AI_MODEL_NEXT', 'AI_TIMEOUT_SECONDS'];

/** A step of the demo went wrong; the message says which and why. */
export class DemoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoError';
  }
}

export interface DemoOptions {
  /** The environment to take PASSED_THROUGH variables from. */
  env: Environment;
  /** Where the shipped workflows/ and data-samples/ are. */
  packageRoot: string;
  /** Longest wait for the run to finish and its report to appear. */
  timeoutMs?: number;
  /** Bold headings (only for a terminal). */
  color?: boolean;
}

/** The folder holding package.json above `from` (dist/src/cli or src/cli). */
export function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new DemoError(`no package.json above ${from}`);
  }
}

export function demoEnvironment(opts: { env: Environment; packageRoot: string; databaseUrl: string; adminKey: string }): Environment {
  const env: Record<string, string | undefined> = {
    WORKFLOWS_DIR: join(opts.packageRoot, 'workflows'),
    BMF_DATA_PATH: join(opts.packageRoot, 'data-samples', 'bmf'),
    BOARD_MEMBERS_PATH: join(opts.packageRoot, 'data-samples', 'board-members.json'),
    FEATURE_FLAGS_PATH: join(opts.packageRoot, 'config', 'feature_flags.yml'),
  };
  for (const name of PASSED_THROUGH) if (opts.env[name]) env[name] = opts.env[name];
  return { ...env, DATABASE_URL: opts.databaseUrl, LOG_LEVEL: 'error', PORT: '0', HOST: '127.0.0.1', ADMIN_API_KEY: opts.adminKey };
}

/** Builds and starts web + worker + scheduler in this process, like `npm start` does. */
async function startStack(platform: Platform): Promise<string> {
  await migrateToLatest(platform.database);
  const services = buildServices(platform);
  await initializeServices(services);
  await startScheduler(platform, services);
  await startWorker(platform, services);
  const server = await startWeb(platform, services);
  return server.url;
}

/** Runs one API step, naming it when the API refuses. */
async function step<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof CatalynxApiError) throw new DemoError(`${what}: HTTP ${err.status} ${err.code}: ${err.message}`);
    throw err;
  }
}

async function poll<T>(what: string, deadline: number, probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new DemoError(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates the profile, runs the tier and waits for its report, all through the REST API. */
export async function runDemoScenario(api: CatalynxClient, timeoutMs: number): Promise<DemoOutcome> {
  // The API's shapes are the module's own: the generated client types describe the same schemas.
  const profile = (await step('creating the profile', () => api.profiles.create(DEMO_PROFILE))) as unknown as Profile;
  const started = await step(`starting the ${DEMO_TIER} tier`, () => api.profiles.runIntelligence(profile.id, DEMO_TIER, { user_id: 'demo' }));
  const runId = started.run_id;

  const deadline = Date.now() + timeoutMs;
  const run = (await step('reading the run', () => api.runs.wait(runId, { timeoutMs: Math.max(0, deadline - Date.now()), pollIntervalMs: 100 }))) as RunView;
  if (!FINAL_RUN_STATUSES.includes(run.status)) throw new DemoError(`timed out waiting for run ${runId} to finish`);
  if (run.status !== 'completed') throw new DemoError(`the ${DEMO_TIER} run ${runId} ended ${run.status}: ${run.error ?? 'no error recorded'}`);

  // The report reaches the read model through the profiles projection, a moment after the run.
  const stored = await poll('the report on the profile', deadline, async () => {
    try {
      return await api.profiles.report(profile.id, runId);
    } catch (err) {
      if (err instanceof CatalynxApiError && err.status === 404) return undefined;
      throw new DemoError(`reading the report: ${(err as Error).message}`);
    }
  });
  const parsed = IntelligenceReportSchema.safeParse(stored.report);
  if (!parsed.success) throw new DemoError(`the stored report has an unexpected shape: ${parsed.error.message}`);
  return { profile, run, report: parsed.data };
}

/** Runs the demo end to end; returns the report text. Always stops the stack and removes the database. */
export async function runDemo(opts: DemoOptions, onSignalExit?: (code: number) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'catalynx-demo-'));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const adminKey = randomBytes(24).toString('hex');
  let platform: Platform | undefined;
  try {
    const config = loadConfig(demoEnvironment({ env: opts.env, packageRoot: opts.packageRoot, databaseUrl: `sqlite://${join(dir, 'demo.db')}`, adminKey }));
    platform = createPlatform('all', config);
    if (onSignalExit) {
      handleSignals(platform.shutdown, platform.logger, (code) => {
        removeDir();
        onSignalExit(code);
      });
    }
    const url = await startStack(platform);
    const outcome = await runDemoScenario(createCatalynxClient({ baseUrl: url, apiKey: adminKey }), opts.timeoutMs ?? 120_000);
    return formatDemoReport(outcome, { color: opts.color ?? false });
  } finally {
    await platform?.shutdown.run('demo finished');
    removeDir();
  }
}

const USAGE = `usage: node dist/src/cli/demo.js [--help]

Runs web, worker and scheduler in this process on a temporary SQLite database, creates a sample
profile, runs its "${DEMO_TIER}" intelligence tier over the REST API and prints the report.
Exit codes: 0 report printed, 1 the demo failed, 2 usage error.`;

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (argv.length > 0) {
    process.stderr.write(`demo: unexpected argument ${argv[0]}\n${USAGE}\n`);
    return 2;
  }
  try {
    const env = readEnvironment();
    // Bold headings only on a terminal (and never with NO_COLOR); pipes and files get plain text.
    const color = process.stdout.isTTY === true && !env.NO_COLOR;
    process.stdout.write(await runDemo({ env, packageRoot: findPackageRoot(__dirname), color }, (code) => process.exit(code)));
    return 0;
  } catch (err) {
    // ConfigError and DemoError messages are written for people; anything else is shown as is.
    const message = err instanceof ConfigError || err instanceof DemoError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stderr.write(`demo failed: ${message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
