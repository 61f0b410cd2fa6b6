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
  target?: RatioTarget;
  met?: boolean;
}

/** A line the ratio's median must be on the right side of; with `each`, every repetition's ratio must also be on the right side of that. */
export interface RatioTarget {
  op: '>=' | '<=';
  value: number;
  each?: number;
}

const onSide = (op: RatioTarget['op'], v: number, line: number) => (op === '>=' ? v >= line : v <= line);

function judged(name: string, value: number, pairs: number[], target?: RatioTarget): RatioRow {
  const met = target ? onSide(target.op, value, target.value) && (target.each === undefined || pairs.every((p) => onSide(target.op, p, target.each!))) : undefined;
  return { name, value, spread: spread(pairs.length ? pairs : [value]), target, met };
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
export function ratio(name: string, numerator: Spread, baseline: Spread, target?: RatioTarget): RatioRow {
  const n = Math.min(numerator.samples.length, baseline.samples.length);
  const pairs = Array.from({ length: n }, (_, i) => numerator.samples[i]! / baseline.samples[i]!);
  return judged(name, numerator.median / baseline.median, pairs, target);
}

/** A measure against a fixed line (an absolute target such as 1,000 steps a second): each repetition over the line. */
export function againstLine(name: string, measured: Spread, line: number, op: RatioTarget['op']): RatioRow {
  return judged(name, measured.median / line, measured.samples.map((x) => x / line), { op, value: 1 });
}
