// The progress display of `catalynx workflows run --wait`: one line redrawn in place on a terminal,
// plain lines (one per change) anywhere else.

import type { RunView } from '../../../src/modules/workflows/workflow-run';
import type { OutputStream } from '../../../src/cli/cli-io';
import { createRunProgress } from '../../../src/cli/run-progress';

function stream(isTty: boolean, columns?: number): OutputStream & { text: string } {
  return {
    text: '',
    isTty,
    columns,
    write(t: string) {
      this.text += t;
    },
  };
}

function run(status: RunView['status'], steps: [string, RunView['steps'][number]['status']][]): RunView {
  return {
    id: '0123456789abcdef',
    workflow_id: 'wf',
    status,
    input: null,
    error: null,
    metadata: {},
    idempotency_key: null,
    workflow_version: 1,
    parent_run_id: null,
    output: null,
    created_at: '',
    updated_at: '',
    finished_at: null,
    timeline: [],
    steps: steps.map(([id, s]) => ({
      id,
      kind: 'agent' as const,
      parent_id: null,
      agent_id: 'echo',
      status: s,
      attempts: 0,
      output: null,
      error: null,
      task_id: null,
      compensation_task_id: null,
      child_run_id: null,
      waiting_for: null,
      deadline: null,
      started_at: null,
      finished_at: null,
    })),
  };
}

describe('run progress', () => {
  it('redraws a single line on a terminal and ends it with one newline', () => {
    const out = stream(true);
    let now = 0;
    const progress = createRunProgress(out, () => now);
    progress.update(run('running', [['a', 'running'], ['b', 'pending']]));
    now = 1500;
    progress.update(run('completed', [['a', 'succeeded'], ['b', 'succeeded']]));
    progress.finish();
    const frames = out.text.split('\r\x1b[2K').filter(Boolean);
    expect(frames).toHaveLength(2);
    expect(frames[0]).toBe('run 01234567 running  [0/2]  ▸ a  · b  0.0s');
    expect(frames[1]).toBe('run 01234567 completed  [2/2]  ✓ a  ✓ b  1.5s\n');
  });

  it('cuts the line to the terminal width so redrawing does not wrap', () => {
    const out = stream(true, 20);
    createRunProgress(out, () => 0).update(run('running', [['a-long-step-name', 'running']]));
    const frame = out.text.replace('\r\x1b[2K', '');
    expect(frame.length).toBeLessThan(20);
  });

  it('prints one plain line per change when not on a terminal', () => {
    const out = stream(false);
    const progress = createRunProgress(out, () => 0);
    progress.update(run('running', [['a', 'running'], ['b', 'pending']]));
    progress.update(run('running', [['a', 'running'], ['b', 'pending']]));
    progress.update(run('completed', [['a', 'succeeded'], ['b', 'succeeded']]));
    progress.finish();
    expect(out.text.split('\n').filter(Boolean)).toEqual([
      'step a (echo) running',
      'run 0123456789abcdef running',
      'step a (echo) succeeded',
      'step b (echo) succeeded',
      'run 0123456789abcdef completed',
    ]);
    expect(out.text).not.toMatch(/[\r\x1b]/);
  });
});
