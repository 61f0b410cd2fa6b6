// Repetition and statistics: a warm-up run excluded from results, then medians and min–max spreads.

import { BenchTimeoutError } from './bench-errors';

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Every measured repetition, in run order (warm-up excluded). */
  samples: number[];
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function spread(samples: readonly number[]): Spread {
  return {
    median: percentile(samples, 50),
    min: Math.min(...samples),
    max: Math.max(...samples),
    samples: [...samples],
  };
}

/**
 * Runs `once` warm-up times (results dropped) and then `repetitions` times; each call returns one
 * measurement per metric name. Returns the spread per metric.
 */
export async function repeat(
  opts: { warmups?: number; repetitions: number; label: string; log: (line: string) => void },
  once: (index: number) => Promise<Record<string, number>>,
): Promise<Record<string, Spread>> {
  const warmups = opts.warmups ?? 1;
  for (let i = 0; i < warmups; i++) {
    const r = await once(-1 - i);
    opts.log(`  ${opts.label} warm-up: ${formatRecord(r)}`);
  }
  const byMetric: Record<string, number[]> = {};
  for (let i = 0; i < opts.repetitions; i++) {
    const r = await once(i);
    opts.log(`  ${opts.label} #${i + 1}: ${formatRecord(r)}`);
    for (const [k, v] of Object.entries(r)) (byMetric[k] ??= []).push(v);
  }
  return Object.fromEntries(Object.entries(byMetric).map(([k, v]) => [k, spread(v)]));
}

function formatRecord(r: Record<string, number>): string {
  return Object.entries(r)
    .map(([k, v]) => `${k}=${formatNumber(v)}`)
    .join(' ');
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Resolves when check() returns true, polling every intervalMs; rejects after timeoutMs. */
export async function waitFor(check: () => boolean | Promise<boolean>, opts: { timeoutMs: number; intervalMs?: number; what: string }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new BenchTimeoutError(opts.what, opts.timeoutMs);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 10));
  }
}
