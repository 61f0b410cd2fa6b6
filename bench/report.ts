// Prints the results table and writes bench/results/<timestamp>.json and BENCHMARKS.md.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchEnv } from './bench-env';
import type { BenchmarkOutcome } from './bench-result';
import type { MachineInfo } from './machine';
import { formatNumber } from './measure';

export interface RunReport {
  startedAt: string;
  durationSeconds: number;
  command: string;
  settings: Pick<BenchEnv, 'scale' | 'repetitions'> & { warmups: number };
  machine: MachineInfo;
  benchmarks: BenchmarkOutcome[];
}

export function resultTable(outcome: BenchmarkOutcome): string {
  const lines: string[] = [];
  if (outcome.rows.length > 0) {
    lines.push('| Subject | Measure | Median | Spread (min–max) | Unit |', '|---|---|---:|---:|---|');
    for (const r of outcome.rows) {
      lines.push(`| ${r.subject} | ${r.metric} | ${formatNumber(r.spread.median)} | ${formatNumber(r.spread.min)}–${formatNumber(r.spread.max)} | ${r.unit} |`);
    }
  }
  if (outcome.ratios.length > 0) {
    lines.push('', '| Ratio (same run) | Value | Spread (per repetition) | Target | Met |', '|---|---:|---:|---|---|');
    for (const r of outcome.ratios) {
      const target = r.target ? `${r.target.op} ${r.target.value}${r.target.each !== undefined ? `, each repetition ${r.target.op} ${r.target.each}` : ''}` : '—';
      const met = r.met === undefined ? '—' : r.met ? 'yes' : '**no**';
      lines.push(`| ${r.name} | ${r.value.toFixed(2)} | ${r.spread.min.toFixed(2)}–${r.spread.max.toFixed(2)} | ${target} | ${met} |`);
    }
  }
  for (const s of outcome.skipped) lines.push('', `Skipped: ${s}`);
  return lines.join('\n');
}

export function writeJson(dir: string, report: RunReport): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** BENCHMARKS.md: machine, command, every table, and the findings written for missed targets. */
export function benchmarksMarkdown(report: RunReport, resultsFile: string, findings: string): string {
  const m = report.machine;
  const parts = [
    '# Benchmarks',
    '',
    'Catalynx against its peers and against the raw ceilings, measured on one machine in one run.',
    'Every ratio compares two numbers measured in the same run, on the same machine, with the same job body,',
    'concurrency and database settings. Each benchmark runs one warm-up (excluded) and then the measured',
    'repetitions; tables give the median and the min–max spread. Every measurement runs in a fresh process, which',
    'first does the same work on a small scale, excluded, so no side is timed while its code is still cold',
    '(2,000 queue jobs on an instance of their own, 20 latency jobs, 1,000 event appends, 20 saga or task units).',
    'Speed is checked here, never in the test suite.',
    '',
    '## Reproduce',
    '',
    '```sh',
    'eval "$(scripts/services.sh)"   # or set BENCH_DATABASE_URL / BENCH_REDIS_URL (fall back to TEST_*)',
    report.command,
    '```',
    '',
    `Sizes are modest so the whole run stays near a quarter of an hour on two cores: ${report.settings.scale === 1 ? 'BENCH_SCALE=1 (the default)' : `BENCH_SCALE=${report.settings.scale}`} queues 5,000 jobs per drain on Postgres`,
    'and Redis and 20,000 on SQLite (the issue suggested 20,000: `BENCH_SCALE=4` for all), 100 latency jobs, 20,000 event appends on SQLite and 5,000 on Postgres,',
    '500 saga units on SQLite and 100 on Postgres, 1.5 million BMF rows (fixed); the Postgres worker-scaling row drains 5,000 jobs with each of 1, 2 and 4 worker processes and the table-growth row 5,000 (100,000 at `BENCH_SCALE=20`). SQLite sizes are larger because SQLite runs them faster and a half-second measurement was decided by WAL checkpoints. `BENCH_REPETITIONS` (default 5)',
    'sets the measured repetitions, `BENCH_ONLY=queue-postgres,http-api` runs a subset. Postgres and Redis rows are skipped, with a',
    'message, when their URL is absent. Raw results: `' + resultsFile + '`.',
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpuModel} × ${m.cpuCount}`,
    `- Memory: ${m.memoryGiB} GiB`,
    `- OS: ${m.os}`,
    `- Node: ${m.node}`,
    `- Postgres: ${m.postgres ?? 'not used'}`,
    `- Redis: ${m.redis ?? 'not used'}`,
    `- Load average (1 min) at start: ${m.loadAverageAtStart} (other work shared the machine; ratios are interleaved per repetition so it hits both sides)`,
    `- Run: ${report.startedAt}, ${Math.round(report.durationSeconds)} s, scale ${report.settings.scale}, ${report.settings.warmups} warm-up + ${report.settings.repetitions} repetitions`,
    '',
  ];
  for (const b of report.benchmarks) {
    parts.push(`## ${b.title}`, '', resultTable(b), '');
    for (const n of b.notes) parts.push(`- ${n}`);
    if (b.notes.length) parts.push('');
  }
  if (findings.trim()) parts.push('## Findings', '', findings.trim(), '');
  return parts.join('\n');
}
