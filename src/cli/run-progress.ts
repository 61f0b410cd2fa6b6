// Shows a workflow run's steps while `workflows run --wait` follows it: one line redrawn in place on a
// terminal, and on a pipe or log file one plain line per change (no control characters).

import type { WorkflowRun } from '../client';
import type { OutputStream } from './cli-io';

const STEP_MARK: Record<string, string> = {
  pending: '·',
  running: '▸',
  waiting: '…',
  cancelled: '⊘',
  succeeded: '✓',
  failed: '✗',
  skipped: '-',
  compensating: '↺',
  compensated: '↩',
  compensation_failed: '!',
};

export interface RunProgress {
  /** Shows the run as just read. */
  update(run: WorkflowRun): void;
  /** Ends the display (a terminal gets its final newline). */
  finish(): void;
}

export function createRunProgress(stream: OutputStream, now: () => number): RunProgress {
  const startedAt = now();
  const seen = new Map<string, string>();
  let drawn = false;
  let lastRunStatus: string | undefined;

  function inPlace(run: WorkflowRun): void {
    const done = run.steps.filter((s) => s.status === 'succeeded' || s.status === 'skipped').length;
    const steps = run.steps.map((s) => `${STEP_MARK[s.status] ?? '?'} ${s.id}`).join('  ');
    const elapsed = ((now() - startedAt) / 1000).toFixed(1);
    let line = `run ${run.id.slice(0, 8)} ${run.status}  [${done}/${run.steps.length}]  ${steps}  ${elapsed}s`;
    // A line wider than the terminal wraps, and \r then redraws only its last part.
    if (stream.columns && line.length >= stream.columns) line = `${line.slice(0, stream.columns - 2)}…`;
    stream.write(`\r\x1b[2K${line}`);
    drawn = true;
  }

  function asLines(run: WorkflowRun): void {
    for (const step of run.steps) {
      if (seen.get(step.id) === step.status) continue;
      // Pending steps are the starting state; report them only after a change (e.g. a reset).
      if (!seen.has(step.id) && step.status === 'pending') {
        seen.set(step.id, step.status);
        continue;
      }
      seen.set(step.id, step.status);
      stream.write(`step ${step.id} (${step.agent_id}) ${step.status}${step.error ? `: ${step.error}` : ''}\n`);
    }
    if (run.status !== lastRunStatus) {
      lastRunStatus = run.status;
      stream.write(`run ${run.id} ${run.status}\n`);
    }
  }

  return {
    update(run) {
      if (stream.isTty) inPlace(run);
      else asLines(run);
    },
    finish() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
