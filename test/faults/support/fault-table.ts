// The one results table of the fault suite: each scenario records a row as a file (test files run in
// separate Jest workers), and the global teardown prints them together and writes test-artifacts/faults.json.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../support/processes';

export interface FaultRow {
  /** Order of the scenario in the issue (1 = kill -9 a worker ...). */
  order: number;
  scenario: string;
  /** Tasks or requests submitted. */
  submitted: number;
  succeeded: number;
  /** Accepted work that never reached its expected final state. */
  lost: number;
  /** Attempts of one task that overlapped at the agent (FakeAgent.overlaps). */
  duplicated: number;
  /** From the fault (or its end) until the system did its job again; null when not measured. */
  recoverMs: number | null;
  /** What else the scenario checked, in a few words. */
  notes: string;
}

export const ARTIFACTS_DIR = join(ROOT, 'test-artifacts');
const ROWS_DIR = join(ARTIFACTS_DIR, 'faults-rows');

export function clearRows(): void {
  rmSync(ROWS_DIR, { recursive: true, force: true });
  mkdirSync(ROWS_DIR, { recursive: true });
}

export function recordRow(row: FaultRow): void {
  mkdirSync(ROWS_DIR, { recursive: true });
  writeFileSync(join(ROWS_DIR, `${String(row.order).padStart(2, '0')}.json`), JSON.stringify(row, null, 2));
}

export function readRows(): FaultRow[] {
  let files: string[] = [];
  try {
    files = readdirSync(ROWS_DIR).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
  return files.map((f) => JSON.parse(readFileSync(join(ROWS_DIR, f), 'utf8')) as FaultRow);
}

/** A Markdown table (it reads fine in a terminal too). */
export function formatTable(rows: readonly FaultRow[]): string {
  const head = ['#', 'scenario', 'submitted', 'succeeded', 'lost', 'duplicated', 'time to recover', 'notes'];
  const body = rows.map((r) => [
    String(r.order),
    r.scenario,
    String(r.submitted),
    String(r.succeeded),
    String(r.lost),
    String(r.duplicated),
    r.recoverMs === null ? '–' : `${(r.recoverMs / 1000).toFixed(1)} s`,
    r.notes,
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

export function writeReport(rows: readonly FaultRow[]): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = join(ARTIFACTS_DIR, 'faults.json');
  writeFileSync(file, JSON.stringify({ generated_at: new Date().toISOString(), rows }, null, 2) + '\n');
  return file;
}
