// What a benchmark hands back: measured rows, ratios against baselines from the same run, notes.

import type { BenchEnv } from './bench-env';
import { spread, type Spread } from './measure';

export interface ResultRow {
  subject: string;
  metric: string;
  unit: string;
  spread: Spread;
}

export interface RatioRow {
  name: string;
  /** Median of the numerator over median of the baseline, both measured in this run. */
  value: number;
  /** Min–max of the per-repetition ratios (repetition i against repetition i). */
  spread: Spread;
  target?: { op: '>=' | '<='; value: number };
  met?: boolean;
}

export interface BenchmarkOutcome {
  id: string;
  title: string;
  rows: ResultRow[];
  ratios: RatioRow[];
  /** Rows not run and why (a missing Postgres or Redis). */
  skipped: string[];
  notes: string[];
}

export interface BenchContext {
  env: BenchEnv;
  log(line: string): void;
}

export function row(subject: string, metric: string, unit: string, s: Spread): ResultRow {
  return { subject, metric, unit, spread: s };
}

/** A ratio of two measured spreads; pairs repetitions for the min–max of the ratio. */
export function ratio(name: string, numerator: Spread, baseline: Spread, target?: { op: '>=' | '<='; value: number }): RatioRow {
  const n = Math.min(numerator.samples.length, baseline.samples.length);
  const pairs = Array.from({ length: n }, (_, i) => numerator.samples[i]! / baseline.samples[i]!);
  const value = numerator.median / baseline.median;
  const met = target ? (target.op === '>=' ? value >= target.value : value <= target.value) : undefined;
  return { name, value, spread: spread(pairs.length ? pairs : [value]), target, met };
}
