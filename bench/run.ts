// `npm run bench`: runs every benchmark (or BENCH_ONLY's), prints the tables, and writes
// bench/results/<timestamp>.json and BENCHMARKS.md at the repository root.
// `npm run bench -- --report bench/results/<file>.json` only writes BENCHMARKS.md again from a
// stored run and the current bench/findings.md (findings written after the run).

import { BenchSetupError } from './bench-errors';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readBenchEnv } from './bench-env';
import type { BenchContext, BenchmarkOutcome } from './bench-result';
import { runBmfFilter } from './bmf-filter';
import { runEventStore } from './event-store';
import { runHttpApi } from './http-api';
import { describeMachine } from './machine';
import { runQueueBullmq } from './queue-bullmq';
import { runQueuePostgres } from './queue-postgres';
import { runQueuePostgresGrowth } from './queue-postgres-growth';
import { runQueuePostgresWorkers } from './queue-postgres-workers';
import { runQueueSqlite } from './queue-sqlite';
import { benchmarksMarkdown, resultTable, writeJson, type RunReport } from './report';
import { runSagaOverhead } from './saga-overhead';

/** The repository root: this file runs from dist/bench/. */
function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new BenchSetupError(`no package.json above ${__dirname}`);
}

function writeBenchmarksMd(root: string, report: RunReport, resultsFile: string): void {
  const findingsFile = join(root, 'bench', 'findings.md');
  const findings = existsSync(findingsFile) ? readFileSync(findingsFile, 'utf8') : '';
  writeFileSync(join(root, 'BENCHMARKS.md'), benchmarksMarkdown(report, relative(root, resultsFile), findings));
}

async function main(): Promise<void> {
  const root = repoRoot();
  const reportFlag = process.argv.indexOf('--report');
  if (reportFlag >= 0) {
    const file = process.argv[reportFlag + 1];
    if (!file || !existsSync(resolve(root, file))) throw new BenchSetupError(`--report needs a stored run, e.g. bench/results/<timestamp>.json (got ${file ?? 'nothing'})`);
    writeBenchmarksMd(root, JSON.parse(readFileSync(resolve(root, file), 'utf8')) as RunReport, resolve(root, file));
    process.stdout.write(`wrote BENCHMARKS.md from ${file}\n`);
    return;
  }
  const env = readBenchEnv();
  const ctx: BenchContext = { env, log: (line) => process.stdout.write(`${line}\n`) };
  const started = new Date();
  const t0 = performance.now();
  const machine = await describeMachine(env);
  ctx.log(`catalynx bench: ${machine.cpuModel} × ${machine.cpuCount}, ${machine.memoryGiB} GiB, node ${machine.node}, postgres ${machine.postgres ?? '-'}, redis ${machine.redis ?? '-'}`);
  ctx.log(`scale ${env.scale}, 1 warm-up + ${env.repetitions} repetitions${env.only ? `, only ${env.only.join(',')}` : ''}`);

  const wanted = (id: string) => !env.only || env.only.includes(id);
  const outcomes: BenchmarkOutcome[] = [];
  const runOne = async (id: string, fn: () => Promise<BenchmarkOutcome>) => {
    if (!wanted(id)) return undefined;
    ctx.log(`\n== ${id}`);
    const outcome = await fn();
    outcomes.push(outcome);
    ctx.log(`\n${outcome.title}\n${resultTable(outcome)}`);
    return outcome;
  };

  const pg = await runOne('queue-postgres', () => runQueuePostgres(ctx));
  await runOne('queue-postgres-workers', () => runQueuePostgresWorkers(ctx));
  await runOne('queue-postgres-growth', () => runQueuePostgresGrowth(ctx));
  await runOne('queue-bullmq', () => runQueueBullmq(ctx, pg));
  await runOne('queue-sqlite', () => runQueueSqlite(ctx));
  await runOne('http-api', () => runHttpApi(ctx));
  await runOne('event-store', () => runEventStore(ctx));
  await runOne('saga-overhead', () => runSagaOverhead(ctx));
  await runOne('bmf-filter', () => runBmfFilter(ctx));

  const report: RunReport = {
    startedAt: started.toISOString(),
    durationSeconds: (performance.now() - t0) / 1000,
    command: env.scale === 1 ? 'npm run bench' : `BENCH_SCALE=${env.scale} npm run bench`,
    settings: { scale: env.scale, repetitions: env.repetitions, warmups: 1 },
    machine,
    benchmarks: outcomes,
  };
  const file = writeJson(join(root, 'bench', 'results'), report);
  writeBenchmarksMd(root, report, file);
  ctx.log(`\nwrote ${relative(root, file)} and BENCHMARKS.md in ${Math.round(report.durationSeconds)} s`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
